import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupConfig } from '../../config/backup.ts';
import { BackupError } from './errors.ts';

/** Where archives go: a directory, or `s3://BUCKET/PREFIX` (reached with `BACKUP_S3_*`). */
export interface Destination {
  /** writes an archive under `name` (whole or not at all); resolves its path or `s3://` key */
  write(name: string, archive: Readable): Promise<string>;
  /** archive names there */
  list(): Promise<string[]>;
  delete(name: string): Promise<void>;
}

export function parseS3(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) return undefined;
  const prefix = match[2]!.replace(/\/+$/, '');
  return { bucket: match[1]!, prefix: prefix ? `${prefix}/` : '' };
}

function directory(dir: string): Destination {
  const root = resolve(dir);
  return {
    async write(name, archive) {
      const path = join(root, name);
      const partial = `${path}.partial`;
      try {
        await mkdir(root, { recursive: true });
        await pipeline(archive, createWriteStream(partial, { mode: 0o600 }));
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true }).catch(() => {});
        if (error instanceof BackupError) throw error;
        throw new BackupError(`cannot write the archive to ${root}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return path;
    },
    async list() {
      return readdir(root).catch(() => []);
    },
    async delete(name) {
      await rm(join(root, name), { force: true });
    },
  };
}

export async function s3Client(config: BackupConfig['s3']) {
  const sdk = await import('@aws-sdk/client-s3');
  const client = new sdk.S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: !!config.endpoint,
    credentials: config.credentials,
    // as src/backends/storage/s3.ts: no aws-chunked framing, which some S3-compatible servers store as part of the file
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { sdk, client };
}

type Sdk = Awaited<ReturnType<typeof s3Client>>['sdk'];
type Client = Awaited<ReturnType<typeof s3Client>>['client'];

/** S3's part limits: 5 MiB at least (but the last), 10,000 parts, 5 GiB each; an archive bigger than a part goes in parts. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 64 * 1024 * 1024;

/** A multipart upload of `file`, each part read from disk when sent; aborted when a part fails. */
async function uploadInParts(sdk: Sdk, client: Client, target: { Bucket: string; Key: string }, file: string, size: number, minimumPartSize: number): Promise<void> {
  const partSize = Math.max(minimumPartSize, Math.ceil(size / 10_000));
  const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand(target));
  const upload = { ...target, UploadId };
  try {
    const parts: { ETag?: string; PartNumber: number }[] = [];
    for (let offset = 0; offset < size; offset += partSize) {
      const length = Math.min(partSize, size - offset);
      const PartNumber = parts.length + 1;
      const Body = createReadStream(file, { start: offset, end: offset + length - 1 });
      const { ETag } = await client.send(new sdk.UploadPartCommand({ ...upload, PartNumber, Body, ContentLength: length }));
      parts.push({ ETag, PartNumber });
    }
    await client.send(new sdk.CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new sdk.AbortMultipartUploadCommand(upload)).catch(() => {});
    throw error;
  }
}

function s3(bucket: string, prefix: string, config: BackupConfig['s3'], partSize: number): Destination {
  return {
    async write(name, archive) {
      const { sdk, client } = await s3Client(config);
      // S3 wants the length first: the archive is encrypted to a temporary file, then sent from it
      const { mkdtemp } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const dir = await mkdtemp(join(tmpdir(), 'subspace-backup-'));
      try {
        const file = join(dir, name);
        await pipeline(archive, createWriteStream(file, { mode: 0o600 }));
        const { size } = await stat(file);
        const key = `${prefix}${name}`;
        if (size < partSize) await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
        else await uploadInParts(sdk, client, { Bucket: bucket, Key: key }, file, size, partSize);
        return `s3://${bucket}/${key}`;
      } catch (error) {
        if (error instanceof BackupError) throw error;
        throw new BackupError(`cannot write the archive to s3://${bucket}/${prefix}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
        client.destroy();
      }
    },
    async list() {
      const { sdk, client } = await s3Client(config);
      const names: string[] = [];
      try {
        let ContinuationToken: string | undefined;
        do {
          const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
          for (const object of page.Contents ?? []) if (object.Key && !object.Key.slice(prefix.length).includes('/')) names.push(object.Key.slice(prefix.length));
          ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (ContinuationToken);
      } finally {
        client.destroy();
      }
      return names;
    },
    async delete(name) {
      const { sdk, client } = await s3Client(config);
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}${name}` }));
      } finally {
        client.destroy();
      }
    },
  };
}

/** `partSize`: an archive to S3 this large or larger is sent in parts of this size (5 MiB at least). */
export function openDestination(location: string, config: BackupConfig['s3'], partSize = DEFAULT_PART_SIZE): Destination {
  const bucket = parseS3(location);
  if (location.startsWith('s3:') && !bucket) throw new BackupError(`not an S3 location (s3://BUCKET/PREFIX): ${location}`);
  return bucket ? s3(bucket.bucket, bucket.prefix, config, Math.max(MIN_PART_SIZE, partSize)) : directory(location);
}

/** An archive's bytes and size, from a file or an `s3://BUCKET/KEY`. */
export async function openArchive(location: string, config: BackupConfig['s3']): Promise<{ stream: Readable; size: number }> {
  const bucket = parseS3(location);
  if (!bucket) {
    const path = resolve(location);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new BackupError(`no archive at ${path}`);
    return { stream: createReadStream(path), size: info.size };
  }
  const key = bucket.prefix.replace(/\/$/, '');
  const { sdk, client } = await s3Client(config);
  try {
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket.bucket, Key: key }));
    const body = object.Body as Readable | undefined;
    if (!body) throw new BackupError(`no archive at ${location}`);
    body.once('close', () => client.destroy());
    return { stream: body instanceof Readable ? body : Readable.from(body), size: object.ContentLength ?? 0 };
  } catch (error) {
    client.destroy();
    if (error instanceof BackupError) throw error;
    throw new BackupError(`cannot read ${location}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `archive`'s stream, telling `progress` how much of it was read (the whole is its size). */
export function withReadProgress(archive: { stream: Readable; size: number }, progress: { start(total: number): void; increment(by: number): void }): Readable {
  // read only once the reader asks: nothing flows (and is lost) before decryption starts, and a
  // restore refused before reading shows no progress
  async function* counted() {
    progress.start(archive.size);
    for await (const chunk of archive.stream) {
      progress.increment((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  return Readable.from(counted());
}
