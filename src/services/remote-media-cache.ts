import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, mediaAttachments } from '../db/schema.ts';
import { DownloadRefused, downloadRemoteFile } from '../lib/remote-file.ts';
import { RedownloadMedia } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';
import type { MediaAttachmentRow } from '../serializers/media-attachment.ts';
import { hostOf, rejectsMediaFrom } from './instance-domain-blocks.ts';
import { deleteMediaFiles, idPartition } from './media-attachments.ts';
import { CACHEABLE_TYPES, downloadLimitFor, processRemoteMedia } from './remote-media-processing.ts';

/*
 * Remote attachments cached here, as Mastodon caches them: a row with a `remote_url` (the origin,
 * kept) and a `file_key` (the stored copy, under `cache/`, as Mastodon's Paperclip prefix puts
 * remote files). A remote row without a file_key is not cached (not yet, refused, or purged).
 */

/** Where a cached remote attachment's style is stored (Mastodon's `cache/media_attachments/files/:id_partition/:style/:filename`). */
const cacheKey = (id: string, style: 'original' | 'small', name: string) => `cache/media_attachments/files/${idPartition(id)}/${style}/${name}`;

/** Whether media from where this attachment comes is refused: its author's domain, or the host the file is on. */
async function mediaRejected(ctx: AppContext, domain: string | null, remoteUrl: string): Promise<boolean> {
  return (await rejectsMediaFrom(ctx, domain)) || (await rejectsMediaFrom(ctx, hostOf(remoteUrl)));
}

export type CacheResult = { cached: true; bytes: number } | { cached: false; reason: 'absent' | 'local' | 'cached' | 'type' | 'rejected' | 'replaced' };

/**
 * Downloads a remote attachment and stores it (Mastodon's MediaAttachment#download_file! and the
 * processing of its file): the type is read from the bytes, an image goes through the upload
 * pipeline (metadata stripped, bounded, previewed), and the row then points at the stored copy;
 * the author's description and focus, and their blurhash when they sent one, are kept. Only for a
 * type this instance processes, never from a domain whose media are rejected; an attachment
 * already cached is left alone unless `force` (then its old copy is replaced and deleted).
 * Throws DownloadRefused when the file will never be had (the row stays a reference) and
 * DownloadFailed when it may be had later.
 */
export async function cacheRemoteAttachment(ctx: AppContext, id: string, options: { force?: boolean } = {}): Promise<CacheResult> {
  const [found] = await ctx.db
    .select({ media: mediaAttachments, domain: accounts.domain })
    .from(mediaAttachments)
    .leftJoin(accounts, eq(accounts.id, mediaAttachments.accountId))
    .where(eq(mediaAttachments.id, id))
    .limit(1);
  if (!found) return { cached: false, reason: 'absent' };
  const { media } = found;
  if (!media.remoteUrl) return { cached: false, reason: 'local' };
  if (media.fileKey && !options.force) return { cached: false, reason: 'cached' };
  if (!CACHEABLE_TYPES.has(media.type)) return { cached: false, reason: 'type' };
  if (await mediaRejected(ctx, found.domain, media.remoteUrl)) return { cached: false, reason: 'rejected' };

  const bytes = await downloadRemoteFile(ctx, media.remoteUrl, downloadLimitFor(media.type));
  const processed = await processRemoteMedia(bytes, { blurhash: !media.blurhash });
  if (!processed) throw new DownloadRefused(`${media.remoteUrl} is no media this instance can store`);
  const name = `${randomBytes(8).toString('hex')}.${processed.extension}`;
  const keys = { original: cacheKey(id, 'original', name), small: processed.small ? cacheKey(id, 'small', name) : null };
  const written = [{ fileKey: keys.original, smallFileKey: keys.small }];
  try {
    await ctx.storage.put(keys.original, processed.original.bytes, processed.contentType);
    if (keys.small && processed.small) await ctx.storage.put(keys.small, processed.small.bytes, processed.contentType);
    const meta: Record<string, unknown> = { ...processed.meta };
    if (media.meta?.focus) meta.focus = media.meta.focus;
    // only the version that was read: an edit that changed the file, or another download that won, keeps its own
    const [updated] = await ctx.db
      .update(mediaAttachments)
      .set({
        type: processed.type,
        fileKey: keys.original,
        smallFileKey: keys.small,
        fileSize: processed.original.bytes.length,
        contentType: processed.contentType,
        blurhash: media.blurhash ?? processed.blurhash,
        meta,
        processing: 'complete',
        updatedAt: new Date(),
      })
      .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.remoteUrl, media.remoteUrl), media.fileKey ? eq(mediaAttachments.fileKey, media.fileKey) : sql`${mediaAttachments.fileKey} IS NULL`))
      .returning({ id: mediaAttachments.id });
    if (!updated) {
      await deleteMediaFiles(ctx, written);
      return { cached: false, reason: 'replaced' };
    }
  } catch (error) {
    await deleteMediaFiles(ctx, written);
    throw error;
  }
  if (media.fileKey) await deleteMediaFiles(ctx, [media]);
  return { cached: true, bytes: processed.original.bytes.length + (processed.small?.bytes.length ?? 0) };
}

/**
 * Queues the download of a remote status's attachments that are not cached yet, in `pull`
 * (Mastodon downloads them while processing the Create, and queues RedownloadMediaWorker for the
 * ones that failed; here they are all queued, so that storing the status waits for no file).
 * Nothing is queued for a domain whose media are rejected. Never throws: the status is stored.
 */
export async function queueRemoteMediaDownloads(ctx: AppContext, statusId: string, authorDomain: string | null): Promise<void> {
  try {
    if (await rejectsMediaFrom(ctx, authorDomain)) return;
    const rows = await ctx.db
      .select({ id: mediaAttachments.id, type: mediaAttachments.type })
      .from(mediaAttachments)
      .where(and(eq(mediaAttachments.statusId, statusId), sql`${mediaAttachments.remoteUrl} <> ''`, sql`${mediaAttachments.fileKey} IS NULL`));
    for (const row of rows) {
      if (CACHEABLE_TYPES.has(row.type)) await enqueue(ctx, RedownloadMedia, { mediaAttachmentId: row.id }, { uniqueKey: `redownload-media:${row.id}` });
    }
  } catch (error) {
    ctx.log.warn({ err: error, statusId }, 'could not queue the download of remote media');
  }
}

/** Deletes the cached copies of these attachments, which stay as references (what `media remove` and a new reject_media block do). */
export async function uncacheAttachments(ctx: AppContext, rows: Pick<MediaAttachmentRow, 'id' | 'fileKey' | 'smallFileKey'>[]): Promise<void> {
  for (const row of rows) {
    if (!row.fileKey) continue;
    const [cleared] = await ctx.db
      .update(mediaAttachments)
      .set({ fileKey: null, smallFileKey: null, fileSize: null, updatedAt: new Date() })
      .where(and(eq(mediaAttachments.id, row.id), eq(mediaAttachments.fileKey, row.fileKey), sql`${mediaAttachments.remoteUrl} <> ''`))
      .returning({ id: mediaAttachments.id });
    if (cleared) await deleteMediaFiles(ctx, [row]);
  }
}
