import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, FileInfo, Storage, StoredObject } from './index.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/**
 * Files under `<SUBSPACE_DATA_DIR>/media`, served by the web role at `/system/<key>` (Mastodon's
 * local path). A file is written to a temporary name then renamed, so no half-written file is served.
 */
export class LocalStorage implements Storage {
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

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const directory = start ? this.pathOf(start) : this.root;
    if (directory) yield* this.walk(directory, prefix);
  }

  /** Files under `directory`, sorted by name within each directory; files being written (`*.tmp`) are left out. */
  private async *walk(directory: string, prefix: string): AsyncIterable<StoredObject> {
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = `${directory}${sep}${entry.name}`;
      const key = path.slice(this.root.length + 1).split(sep).join('/');
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(path, prefix);
      } else if (entry.isFile() && key.startsWith(prefix) && !key.endsWith('.tmp')) {
        const info = await stat(path).catch(() => undefined);
        if (info) yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }

  url(key: string): string {
    return `${this.baseUrl}/system/${key}`;
  }
}
