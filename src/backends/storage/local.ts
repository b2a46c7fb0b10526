import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, FileInfo, Storage } from './index.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
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

  url(key: string): string {
    return `${this.baseUrl}/system/${key}`;
  }
}
