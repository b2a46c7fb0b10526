import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { entries } from 'tar';
import type { AppContext } from '../../context.ts';
import { checkEmojiSize, InvalidEmojiError } from './emoji-images.ts';
import { saveLocalEmoji } from './local-emojis.ts';

/** The files an import takes, by name (what tootctl takes from archives, and WebP, which Mastodon accepts too). */
const IMAGE_EXTENSIONS = new Set(['.png', '.gif', '.webp']);

/** A PATH that cannot be imported from at all (missing, unreadable, of another kind). */
export class EmojiSourceError extends Error {}

export interface ImportOptions {
  prefix?: string;
  suffix?: string;
  overwrite?: boolean;
  /** not shown in the picker (still usable by shortcode) */
  unlisted?: boolean;
  category?: string | null;
  /** the shortcode of the one emoji PATH is the image of (PATH must be a single image file) */
  shortcode?: string;
}

export interface ImportReport {
  imported: number;
  /** had a local emoji by that shortcode already (without --overwrite) */
  skipped: number;
  failed: { path: string; reason: string }[];
}

/** One image file of the source, read only when wanted (an archive's entry must be read before the next one). */
interface Candidate {
  path: string;
  size: number;
  bytes(): Promise<Buffer>;
}

function isImageName(path: string): boolean {
  const name = basename(path);
  // macOS keeps resource forks as `._name` files next to the real ones
  return !name.startsWith('._') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

async function* directoryFiles(root: string): AsyncGenerator<Candidate> {
  const found = await readdir(root, { recursive: true, withFileTypes: true });
  const files = found.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  for (const path of files.sort()) {
    if (!isImageName(path)) continue;
    const size = (await stat(path)).size;
    yield { path: relative(root, path), size, bytes: () => readFile(path) };
  }
}

async function* archiveFiles(file: string): AsyncGenerator<Candidate> {
  for await (const entry of entries(createReadStream(file))) {
    if (!['File', 'OldFile', 'ContiguousFile'].includes(entry.type) || !isImageName(entry.path)) continue;
    yield { path: entry.path, size: entry.size, bytes: async () => Buffer.from(await entry.bytes()) };
  }
}

/** Whether the file starts as a gzip stream or has a tar header's `ustar` magic. */
async function looksLikeArchive(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(262);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) || (bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar');
  } finally {
    await handle.close();
  }
}

async function sourceOf(path: string, options: ImportOptions): Promise<AsyncGenerator<Candidate>> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new EmojiSourceError(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`);
  });
  const single = info.isFile() && !(await looksLikeArchive(path));
  if (options.shortcode !== undefined && !single) throw new EmojiSourceError('--shortcode names one emoji: give PATH as a single PNG, GIF or WebP file');
  if (info.isDirectory()) return directoryFiles(path);
  if (!info.isFile()) throw new EmojiSourceError(`${path} is neither a directory, a .tar.gz archive nor an image file`);
  if (!single) return archiveFiles(path);
  return (async function* () {
    yield { path: basename(path), size: info.size, bytes: () => readFile(path) };
  })();
}

/**
 * tootctl emoji import: every PNG, GIF and WebP file in a directory (and its subdirectories), a
 * tar archive (gzipped or not), or one image file becomes a local emoji named after the file
 * (with the prefix and suffix), unless an emoji has that shortcode already and `overwrite` is not
 * set. A file that cannot be an emoji (bad shortcode, too big, not an image) is reported and the
 * rest go on; so does a damaged archive's remainder.
 */
export async function importEmojis(ctx: AppContext, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, skipped: 0, failed: [] };
  const source = await sourceOf(path, options);
  try {
    await importFrom(ctx, path, source, options, report);
  } finally {
    await source.return(undefined);
  }
  return report;
}

async function importFrom(ctx: AppContext, path: string, source: AsyncGenerator<Candidate>, options: ImportOptions, report: ImportReport): Promise<void> {
  // set when a file could not be read: a damaged archive then fails to go on too, which is not news
  let unreadable = false;
  for (;;) {
    let next: IteratorResult<Candidate>;
    try {
      next = await source.next();
    } catch (error) {
      // a truncated or corrupt archive: what was read before stays imported
      if (!unreadable) report.failed.push({ path: basename(path), reason: `stopped reading: ${error instanceof Error ? error.message : String(error)}` });
      break;
    }
    unreadable = false;
    if (next.done) break;
    const file = next.value;
    const stem = basename(file.path, extname(file.path));
    const shortcode = options.shortcode ?? `${options.prefix ?? ''}${stem}${options.suffix ?? ''}`;
    let bytes: Buffer;
    try {
      checkEmojiSize(file.size);
      bytes = await file.bytes();
    } catch (error) {
      unreadable = !(error instanceof InvalidEmojiError);
      report.failed.push({ path: file.path, reason: unreadable ? `cannot read it (${error instanceof Error ? error.message : String(error)})` : (error as Error).message });
      continue;
    }
    try {
      const outcome = await saveLocalEmoji(ctx, { shortcode, bytes, category: options.category ?? null, visibleInPicker: !options.unlisted, overwrite: options.overwrite });
      if (outcome === 'exists') report.skipped++;
      else report.imported++;
    } catch (error) {
      if (!(error instanceof InvalidEmojiError)) throw error;
      report.failed.push({ path: file.path, reason: error.message });
    }
  }
}
