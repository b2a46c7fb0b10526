import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Header, Pax } from 'tar';
import { BackupError } from './errors.ts';

/** One file of an archive, read when its turn comes. */
export interface ArchiveEntry {
  path: string;
  size: number;
  open(): Promise<Readable | Buffer>;
}

export interface WrittenFile {
  path: string;
  size: number;
  sha256: string;
}

const BLOCK = 512;
const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

function headerFor(path: string, size: number, mtime: Date): Buffer[] {
  const data = { path, size, mode: 0o600, mtime, type: 'File' as const };
  const header = new Header(data);
  header.encode();
  const blocks = [Buffer.from(header.block!)];
  // paths over ustar's 255 characters go in a PAX extended header first
  return header.needPax ? [Buffer.from(new Pax(data).encode()), ...blocks] : blocks;
}

/**
 * A tar stream of `entries` then `last()` (the manifest, made once every other file's checksum is
 * known), one file at a time from its source: a store of any size goes through in bounded memory.
 */
export async function* tarStream(entries: Iterable<ArchiveEntry>, last: (files: WrittenFile[]) => Buffer, lastPath: string, onBytes: (count: number) => void = () => {}): AsyncGenerator<Buffer> {
  const written: WrittenFile[] = [];
  const mtime = new Date();
  for (const entry of entries) {
    yield* headerFor(entry.path, entry.size, mtime);
    const hash = createHash('sha256');
    let size = 0;
    const source = await entry.open();
    for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > entry.size) throw new BackupError(`${entry.path} grew while it was backed up`);
      hash.update(bytes);
      onBytes(bytes.length);
      yield bytes;
    }
    if (size !== entry.size) throw new BackupError(`${entry.path} changed size while it was backed up (${entry.size} bytes expected, ${size} read)`);
    yield padding(size);
    written.push({ path: entry.path, size, sha256: hash.digest('hex') });
  }
  const manifest = last(written);
  yield* headerFor(lastPath, manifest.length, mtime);
  yield manifest;
  yield padding(manifest.length);
  yield Buffer.alloc(BLOCK * 2);
}
