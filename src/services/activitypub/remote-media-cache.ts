import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, mediaAttachments } from '../../db/schema.ts';
import { DownloadRefused, downloadRemoteFile } from '../../lib/remote-file.ts';
import { RedownloadMedia } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { hostOf, rejectsMediaFrom } from '../moderation/instance-domain-blocks.ts';
import { deleteMediaFiles, idPartition } from '../media/media-attachments.ts';
import { downloadLimitFor, processRemoteMedia } from './remote-media-processing.ts';
import { CACHEABLE_TYPES } from '../../lib/media-types.ts';
import { withTranscodeSlot, withTranscodeSlotWithin } from '../media/ffmpeg.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';

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

export type CacheResult = { cached: true; bytes: number } | { cached: false; reason: 'absent' | 'local' | 'cached' | 'type' | 'rejected' | 'replaced' | 'busy' };

/** Where a cached remote attachment's thumbnail is stored (an audio file's cover; Mastodon's `cache/media_attachments/thumbnails/…`). */
const thumbnailCacheKey = (id: string, name: string) => `cache/media_attachments/thumbnails/${idPartition(id)}/original/${name}`;

export interface CacheOptions {
  /** download and store it again even if it has a copy (which is then deleted) */
  force?: boolean;
  /**
   * For a video, gifv or audio row: wait at most this long for one of the process's transcode slots,
   * taken before the download, else answer `busy` (the job queues itself again); without it, wait
   * for as long as it takes (the CLI).
   */
  slotWaitMs?: number;
}

/**
 * Downloads a remote attachment and stores it (Mastodon's MediaAttachment#download_file! and the
 * processing of its file): the type is read from the bytes, which go through the upload pipeline
 * (an image stripped of metadata, bounded and previewed; video, gifv and audio probed, transcoded
 * unless H.264/AAC MP4, previewed by their first frame, an audio file's cover its thumbnail), and
 * the row then points at the stored copy; the author's description and focus, and their blurhash
 * when they sent one, are kept. Only for a type this instance processes, never from a domain whose
 * media are rejected; an attachment already cached is left alone unless `force` (then its old
 * copy is replaced and deleted). Throws DownloadRefused when the file will never be had (the row
 * stays a reference) and DownloadFailed when it may be had later.
 */
export async function cacheRemoteAttachment(ctx: AppContext, id: string, options: CacheOptions = {}): Promise<CacheResult> {
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
  if (media.type === 'image') return downloadAndStore(ctx, media, { slotHeld: false });
  // video and audio: the slot is taken before the download, so that a busy process neither downloads for nothing nor holds a pull thread waiting
  if (options.slotWaitMs === undefined) return withTranscodeSlot(ctx.config, () => downloadAndStore(ctx, media, { slotHeld: true }));
  const ran = await withTranscodeSlotWithin(ctx.config, options.slotWaitMs, () => downloadAndStore(ctx, media, { slotHeld: true }));
  return ran ? ran.result : { cached: false, reason: 'busy' };
}

async function downloadAndStore(ctx: AppContext, media: MediaAttachmentRow, options: { slotHeld: boolean }): Promise<CacheResult> {
  const id = media.id;
  const remoteUrl = media.remoteUrl!;
  const bytes = await downloadRemoteFile(ctx, remoteUrl, downloadLimitFor(media.type));
  const processed = await processRemoteMedia(ctx.config, bytes, { blurhash: !media.blurhash, slotHeld: options.slotHeld });
  if (!processed) throw new DownloadRefused(`${remoteUrl} is no media this instance can store`);
  const base = randomBytes(8).toString('hex');
  const { thumbnail } = processed;
  const keys = {
    original: cacheKey(id, 'original', `${base}.${processed.original.extension}`),
    small: processed.small ? cacheKey(id, 'small', `${base}.${processed.small.extension}`) : null,
    thumbnail: thumbnail ? thumbnailCacheKey(id, `${base}.${thumbnail.extension}`) : null,
  };
  const written = [{ fileKey: keys.original, smallFileKey: keys.small, thumbnailFileKey: keys.thumbnail }];
  try {
    await ctx.storage.put(keys.original, processed.original.bytes, processed.original.contentType);
    if (keys.small && processed.small) await ctx.storage.put(keys.small, processed.small.bytes, processed.small.contentType);
    if (keys.thumbnail && thumbnail) await ctx.storage.put(keys.thumbnail, thumbnail.bytes, thumbnail.contentType);
    const meta: Record<string, unknown> = { ...processed.meta, ...(thumbnail ? { small: thumbnail.meta } : {}) };
    if (media.meta?.focus) meta.focus = media.meta.focus;
    // only the version that was read: an edit that changed the file, or another download that won, keeps its own
    const [updated] = await ctx.db
      .update(mediaAttachments)
      .set({
        type: processed.type,
        fileKey: keys.original,
        smallFileKey: keys.small,
        thumbnailFileKey: keys.thumbnail,
        thumbnailContentType: thumbnail?.contentType ?? null,
        fileSize: processed.original.bytes.length,
        contentType: processed.original.contentType,
        blurhash: media.blurhash ?? thumbnail?.blurhash ?? processed.blurhash,
        meta,
        processing: 'complete',
        updatedAt: new Date(),
      })
      .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.remoteUrl, remoteUrl), media.fileKey ? eq(mediaAttachments.fileKey, media.fileKey) : sql`${mediaAttachments.fileKey} IS NULL`))
      .returning({ id: mediaAttachments.id, statusId: mediaAttachments.statusId });
    if (!updated) {
      await deleteMediaFiles(ctx, written);
      return { cached: false, reason: 'replaced' };
    }
    await forgetStatusParts(ctx, [updated.statusId]);
  } catch (error) {
    await deleteMediaFiles(ctx, written);
    throw error;
  }
  if (media.fileKey) await deleteMediaFiles(ctx, [media]);
  const stored = processed.original.bytes.length + (processed.small?.bytes.length ?? 0) + (thumbnail?.bytes.length ?? 0);
  return { cached: true, bytes: stored };
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
export async function uncacheAttachments(ctx: AppContext, rows: Pick<MediaAttachmentRow, 'id' | 'fileKey' | 'smallFileKey' | 'thumbnailFileKey'>[]): Promise<void> {
  for (const row of rows) {
    if (!row.fileKey) continue;
    const [cleared] = await ctx.db
      .update(mediaAttachments)
      .set({ fileKey: null, smallFileKey: null, fileSize: null, thumbnailFileKey: null, thumbnailContentType: null, updatedAt: new Date() })
      .where(and(eq(mediaAttachments.id, row.id), eq(mediaAttachments.fileKey, row.fileKey), sql`${mediaAttachments.remoteUrl} <> ''`))
      .returning({ id: mediaAttachments.id, statusId: mediaAttachments.statusId });
    if (cleared) {
      await forgetStatusParts(ctx, [cleared.statusId]);
      await deleteMediaFiles(ctx, [row]);
    }
  }
}
