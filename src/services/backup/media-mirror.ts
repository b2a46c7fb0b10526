import { extname } from 'node:path';
import type { StoredFile } from '../../backends/storage/index.ts';
import { CONTENT_TYPES } from '../../backends/storage/local.ts';
import type { BackupConfig } from '../../config/backup.ts';
import type { AppContext } from '../../context.ts';
import { parseS3, s3Client } from './destination.ts';
import { BackupError } from './errors.ts';

/*
 * BACKUP_MEDIA_TO (`s3://BUCKET/PREFIX`): instead of going into every archive, the media store is
 * copied to a second bucket, incrementally: a manifest in that bucket remembers each file's size and
 * version (its S3 ETag, or its modification time on disk) when it was copied, and only files that
 * are new or changed since (or missing from the bucket) are copied again. A file gone from the store
 * stays in the mirror for the backup retention (BACKUP_KEEP, what an archive of that time may still
 * need), then goes. A copy stopped half-way resumes: the manifest is saved every few hundred files.
 */

/** The manifest's key, under the mirror's prefix. */
export const MIRROR_MANIFEST = '.subspace-media-mirror.json';
const SAVE_EVERY = 200;
const COPIES_AT_ONCE = 4;

interface MirrorEntry {
  size: number;
  /** the ETag in the media store, or its modification time */
  version: string;
  /** when the file was first found gone from the media store */
  goneSince?: string;
}

interface MirrorManifest {
  format: 'subspace-media-mirror';
  version: 1;
  files: Record<string, MirrorEntry>;
}

export interface MirrorResult {
  location: string;
  copied: number;
  unchanged: number;
  /** files gone from the store for longer than the retention, deleted from the mirror */
  deleted: number;
  /** bytes copied */
  bytes: number;
}

/** Uploads awaiting their time in the media store's temporary names (as the archive skips them). */
const TEMPORARY = /\.[0-9a-f]{12}\.tmp$/;

function target(location: string): { bucket: string; prefix: string } {
  const parsed = parseS3(location);
  if (!parsed) throw new BackupError(`the media mirror must be s3://BUCKET/PREFIX, got "${location}"`);
  return parsed;
}

const versionOf = (file: StoredFile) => file.etag ?? file.lastModified.toISOString();
const failed = (what: string, error: unknown) => new BackupError(`${what}: ${error instanceof Error ? error.message : String(error)}`);

/** Copies the media store's new and changed files to `location`; see above. */
export async function mirrorMedia(
  ctx: AppContext,
  location: string,
  options: { keepSeconds?: number; progress?: { start(total: number): void; increment(by: number): void; stop(): void } } = {},
): Promise<MirrorResult> {
  const { bucket, prefix } = target(location);
  const { sdk, client } = await s3Client(ctx.config.backup.s3);
  try {
    const manifestKey = `${prefix}${MIRROR_MANIFEST}`;
    const manifest = await readManifest(client, sdk, bucket, manifestKey);
    const present = new Map<string, number>();
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken })).catch((error: unknown) => {
        throw failed(`cannot list s3://${bucket}/${prefix}`, error);
      });
      for (const object of page.Contents ?? []) if (object.Key) present.set(object.Key.slice(prefix.length), object.Size ?? 0);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);

    const source: StoredFile[] = [];
    for await (const file of ctx.storage.list()) if (!TEMPORARY.test(file.key)) source.push(file);
    const inSource = new Set(source.map((file) => file.key));
    const changed = source.filter((file) => {
      const entry = manifest.files[file.key];
      return !(entry && !entry.goneSince && entry.size === file.size && entry.version === versionOf(file) && present.get(file.key) === file.size);
    });

    const save = () =>
      client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: manifestKey, Body: JSON.stringify(manifest), ContentType: 'application/json' })).catch((error: unknown) => {
        throw failed(`cannot write the mirror's manifest to s3://${bucket}/${manifestKey}`, error);
      });
    options.progress?.start(changed.length);
    let copied = 0;
    let bytes = 0;
    let sinceSave = 0;
    const copy = async (file: StoredFile) => {
      const [info, body] = await Promise.all([ctx.storage.head(file.key), ctx.storage.get(file.key)]);
      if (!info || !body) {
        body?.destroy();
        return; // deleted meanwhile: the next run notes it gone
      }
      const contentType = info.contentType || CONTENT_TYPES[extname(file.key).toLowerCase()] || 'application/octet-stream';
      await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: `${prefix}${file.key}`, Body: body, ContentLength: info.size, ContentType: contentType })).catch((error: unknown) => {
        body.destroy();
        throw failed(`cannot copy ${file.key} to s3://${bucket}/${prefix}`, error);
      });
      manifest.files[file.key] = { size: info.size, version: versionOf(file) };
      copied += 1;
      bytes += info.size;
      if (++sinceSave >= SAVE_EVERY) {
        sinceSave = 0;
        await save();
      }
    };
    const queue = [...changed];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        await copy(file);
        options.progress?.increment(1);
      }
    };
    try {
      await Promise.all(Array.from({ length: COPIES_AT_ONCE }, worker));
    } finally {
      // what was copied before a failure is remembered: the next run goes on from there
      if (sinceSave > 0) await save().catch(() => {});
      options.progress?.stop();
    }

    const now = Date.now();
    let deleted = 0;
    for (const [key, entry] of Object.entries(manifest.files)) {
      if (inSource.has(key)) continue;
      entry.goneSince ??= new Date(now).toISOString();
      if (options.keepSeconds !== undefined && now - Date.parse(entry.goneSince) > options.keepSeconds * 1000) {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` })).catch((error: unknown) => {
          throw failed(`cannot delete ${key} from s3://${bucket}/${prefix}`, error);
        });
        delete manifest.files[key];
        deleted += 1;
      }
    }
    await save();
    return { location: `s3://${bucket}/${prefix}`, copied, unchanged: source.length - changed.length, deleted, bytes };
  } finally {
    client.destroy();
  }
}

type Client = Awaited<ReturnType<typeof s3Client>>['client'];
type Sdk = Awaited<ReturnType<typeof s3Client>>['sdk'];

async function readManifest(client: Client, sdk: Sdk, bucket: string, key: string): Promise<MirrorManifest> {
  const empty: MirrorManifest = { format: 'subspace-media-mirror', version: 1, files: {} };
  let text: string;
  try {
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString()) ?? '';
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return empty;
    throw failed(`cannot read the mirror's manifest s3://${bucket}/${key}`, error);
  }
  try {
    const parsed = JSON.parse(text) as Partial<MirrorManifest>;
    if (parsed.format === 'subspace-media-mirror' && typeof parsed.files === 'object' && parsed.files !== null) return { ...empty, files: parsed.files };
  } catch {
    // an unreadable manifest: every file is copied again
  }
  return empty;
}

/** Restore: every file of the mirror at `location` put back into the (empty) media store; resolves how many. */
export async function restoreMirroredMedia(storage: AppContext['storage'], location: string, config: BackupConfig['s3']): Promise<number> {
  const { bucket, prefix } = target(location);
  const { sdk, client } = await s3Client(config);
  let restored = 0;
  try {
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(prefix.length);
        if (!key || key === MIRROR_MANIFEST) continue;
        const got = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        await storage.put(key, bytes, got.ContentType || CONTENT_TYPES[extname(key).toLowerCase()] || 'application/octet-stream');
        restored += 1;
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw failed(`cannot restore the media from ${location}`, error);
  } finally {
    client.destroy();
  }
  return restored;
}
