import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { entries, type ReadEntry } from 'tar';
import { decryptStream, describeAgeError } from './age-stream.ts';
import { BackupError } from './errors.ts';
import { isManifest, MANIFEST_PATH, type Manifest } from './manifest.ts';

/** What to do with each file as it is read (write it somewhere); the default reads it through. */
export type EntrySink = (path: string, body: Readable) => Promise<void>;

const drain: EntrySink = async (_path, body) => {
  for await (const _chunk of body);
};

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** The entry's body as a Node stream, hashed and measured as it is read. */
function hashedBody(entry: ReadEntry) {
  const hash = createHash('sha256');
  let size = 0;
  async function* chunks() {
    for await (const chunk of entry.body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    }
  }
  return { stream: Readable.from(chunks()), result: () => ({ size, sha256: hash.digest('hex') }) };
}

/**
 * Decrypts and reads an archive, handing each file to `sink`, and checks it against its manifest:
 * every file listed is there with its size and SHA-256, and nothing else. Throws a BackupError
 * (one line) for a wrong key, a corrupted or truncated archive, or one that is not Subspace's.
 */
export async function readArchive(encrypted: Readable, identities: string[], sink: EntrySink = drain): Promise<Manifest> {
  const plain = await decryptStream(encrypted, identities);
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText: string | undefined;
  try {
    for await (const entry of entries(plain as AsyncIterable<Uint8Array>, { strict: true })) {
      const path = entry.path;
      if (entry.type !== 'File' || path.startsWith('/') || path.split('/').includes('..') || seen.has(path) || manifestText !== undefined) {
        throw new BackupError(`the archive holds an unexpected entry: ${path}`);
      }
      if (path === MANIFEST_PATH) {
        if (entry.size > MAX_MANIFEST_BYTES) throw new BackupError('the archive manifest is too large');
        manifestText = await entry.text();
        continue;
      }
      const body = hashedBody(entry);
      await sink(path, body.stream);
      seen.set(path, body.result());
    }
  } catch (error) {
    throw error instanceof BackupError ? error : new BackupError(`cannot read the archive: ${describeAgeError(error)}`);
  }
  return checkManifest(manifestText, seen);
}
function checkManifest(text: string | undefined, seen: Map<string, { size: number; sha256: string }>): Manifest {
  if (text === undefined) throw new BackupError('the archive has no manifest: it is incomplete or not a Subspace backup');
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new BackupError('the archive manifest is not valid JSON');
  }
  if (!isManifest(manifest)) throw new BackupError('the archive manifest is not a Subspace backup manifest (version 1)');
  const listed = new Set<string>();
  for (const file of manifest.files) {
    listed.add(file.path);
    const found = seen.get(file.path);
    if (!found) throw new BackupError(`the archive lacks ${file.path}, which its manifest lists`);
    if (found.size !== file.size || found.sha256 !== file.sha256) throw new BackupError(`${file.path} does not match its checksum in the manifest`);
  }
  for (const path of seen.keys()) if (!listed.has(path)) throw new BackupError(`the archive holds ${path}, which its manifest does not list`);
  return manifest;
}
