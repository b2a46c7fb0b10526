import type { StoredFile } from '../../backends/storage/index.ts';
import type { AppContext } from '../../context.ts';
import { eachLimited } from './stored-files.ts';
import { ownersOf, type FileCategory, type FileOwner } from './stored-file-owners.ts';

/*
 * Walks every stored file once with the row it belongs to (`subspace media remove-orphans` and
 * `usage`): the listing is read page by page, and each page's rows are looked up by primary key.
 */

const PAGE = 1000;

/** A file written this recently may belong to an upload whose row is not written yet: never an orphan. */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;

export interface ScannedFile extends StoredFile {
  /** the row naming it; null: its table's row does not name it; undefined: not a file of a known table */
  owner: FileOwner | null | undefined;
}

export async function* scanStoredFiles(ctx: AppContext, prefix = ''): AsyncIterable<ScannedFile[]> {
  let page: StoredFile[] = [];
  const flush = async () => {
    const owners = await ownersOf(
      ctx,
      page.map((object) => object.key),
    );
    const scanned = page.map((object) => ({ ...object, owner: owners.get(object.key) }));
    page = [];
    return scanned;
  };
  for await (const object of ctx.storage.list(prefix)) {
    page.push(object);
    if (page.length >= PAGE) yield await flush();
  }
  if (page.length) yield await flush();
}

export interface OrphanOptions {
  prefix?: string;
  dryRun: boolean;
  concurrency: number;
  now?: Date;
  /** each file looked at, with what was found: an orphan (removed unless dry run), an unrecognized file, or nothing to say */
  onFile(file: ScannedFile, finding: 'orphan' | 'unrecognized' | 'kept', error?: unknown): void;
}

/**
 * Removes stored files no row names (tootctl media remove-orphans): only files in a known table's
 * layout whose row is gone or names other files, and older than an hour. Returns what was removed.
 */
export async function removeOrphanedFiles(ctx: AppContext, options: OrphanOptions): Promise<{ removed: number; bytes: number }> {
  const writtenBefore = (options.now ?? new Date()).getTime() - ORPHAN_MIN_AGE_MS;
  let removed = 0;
  let bytes = 0;
  for await (const page of scanStoredFiles(ctx, options.prefix)) {
    const orphans = page.filter((file) => file.owner === null && file.lastModified.getTime() < writtenBefore);
    for (const file of page) if (!orphans.includes(file)) options.onFile(file, file.owner === undefined ? 'unrecognized' : 'kept');
    await eachLimited(orphans, options.concurrency, async (file) => {
      try {
        if (!options.dryRun) await ctx.storage.delete(file.key);
        removed++;
        bytes += file.size;
        options.onFile(file, 'orphan');
      } catch (error) {
        options.onFile(file, 'orphan', error);
      }
    });
  }
  return { removed, bytes };
}

export interface UsageLine {
  bytes: number;
  local: number;
}

export type MediaUsage = Record<FileCategory, UsageLine> & { unreferenced: { bytes: number; files: number } };

/** Bytes in storage by kind of file and whether local (tootctl media usage, from the files themselves). */
export async function measureMediaUsage(ctx: AppContext, onFile: () => void = () => {}): Promise<MediaUsage> {
  const line = () => ({ bytes: 0, local: 0 });
  const usage: MediaUsage = { attachments: line(), emoji: line(), avatars: line(), headers: line(), 'preview cards': line(), unreferenced: { bytes: 0, files: 0 } };
  for await (const page of scanStoredFiles(ctx)) {
    for (const file of page) {
      onFile();
      const category = file.owner?.category;
      if (!category) {
        usage.unreferenced.bytes += file.size;
        usage.unreferenced.files++;
        continue;
      }
      usage[category].bytes += file.size;
      if (file.owner && !file.owner.remote) usage[category].local += file.size;
    }
  }
  return usage;
}
