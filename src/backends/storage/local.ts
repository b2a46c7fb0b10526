import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, opendir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, FileInfo, Storage, StoredFile } from './index.ts';

export const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
};

const TEMPORARY = /\.[0-9a-f]{12}\.tmp$/;

/**
 * Files under `<SUBSPACE_DATA_DIR>/media`, served by the web role at `/system/<key>` (Mastodon's
 * local path). A file is written to a temporary name then renamed, so no half-written file is served.
 */
export class LocalStorage implements Storage {
  readonly kind = 'local';
  readonly root: string;
  readonly baseUrl: string;

  constructor(root: string, baseUrl: string) {
    this.root = resolve(root);
    this.baseUrl = baseUrl;
  }

  /** The file's path, refusing keys that would leave the root. */
  private pathOf(key: string): string | undefined {
    const path = resolve(this.root, key);
    return path.startsWith(this.root + sep) ? path : undefined;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(key);
    if (!path) throw new Error(`invalid storage key ${key}`);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  }

  async head(key: string): Promise<FileInfo | undefined> {
    const path = this.pathOf(key);
    const info = path ? await stat(path).catch(() => undefined) : undefined;
    if (!path || !info?.isFile()) return undefined;
    return { size: info.size, contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' };
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!(await this.head(key))) return undefined;
    return createReadStream(this.pathOf(key)!, range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    if (path) await rm(path, { force: true });
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (const key of keys) await this.delete(key);
  }

  async *list(prefix = ''): AsyncIterable<StoredFile> {
    // the deepest directory the prefix names whole; files below it are filtered by the rest
    const start = prefix.includes('/') ? this.pathOf(prefix.slice(0, prefix.lastIndexOf('/'))) : this.root;
    if (!start) return;
    for await (const path of filesUnder(start)) {
      const key = relative(this.root, path).split(sep).join('/');
      if (!key.startsWith(prefix) || TEMPORARY.test(key)) continue;
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) yield { key, size: info.size, lastModified: info.mtime };
    }
  }

  url(key: string): string {
    return `${this.baseUrl}/system/${key}`;
  }

  async close(): Promise<void> {}
}

/** Every file below `dir`, walked a directory at a time; nothing when it does not exist. */
async function* filesUnder(dir: string): AsyncGenerator<string> {
  const handle = await opendir(dir).catch(() => undefined);
  if (!handle) return;
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}
