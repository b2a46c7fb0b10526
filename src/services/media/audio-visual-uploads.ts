import { createWriteStream } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { mediaAttachments } from '../../db/schema.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';
import { PostProcessMedia } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { invalidType } from './media-processing.ts';
import { audioVisualType, checkAudioVisual, processAudioVisual, processingFailed, type ProcessedAudioVisual } from './audio-visual.ts';
import { ToolTimedOut, withTranscodeSlot, withTranscodeSlotWithin } from './ffmpeg.ts';
import { mediaFileKey, randomFileBase, randomFileName, thumbnailFileKey } from './keys.ts';
import { probeMedia } from './probe.ts';
import { audioVisualContainer, isAnimatedGif, isGif } from './sniff.ts';
import { prepareThumbnail, thumbnailMustBeBlank, thumbnailValues, type Thumbnail } from './thumbnails.ts';
import { withTempDir } from './temp-dir.ts';
import type { MediaInput } from './transcode.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';

/**
 * Uploads of video, audio and animated GIFs (MediaAttachment.create! and PostProcessMediaWorker).
 * The upload is checked at once (type, size, ffprobe's dimensions and frame rate), then either
 * processed within the request (`POST /api/v1/media`, and animated GIFs always, as Mastodon does) or
 * kept as it came in storage and processed by a PostProcessMediaWorker job (`POST /api/v2/media`),
 * which any worker process can run. Nothing is left of a refused upload, and a failed job leaves
 * only the upload it could not process (and a `failed` row, which the API answers 422 for).
 */

/** An upload that is video, audio or an animated GIF, with how ffmpeg opens it; undefined for anything else (images). */
export interface AudioVisualSource {
  demuxer: MediaInput['demuxer'];
  extension: string;
}

export function audioVisualSource(bytes: Buffer): AudioVisualSource | undefined {
  if (isGif(bytes)) return isAnimatedGif(bytes) ? { demuxer: 'gif', extension: 'gif' } : undefined;
  return audioVisualContainer(bytes);
}

export interface AudioVisualUpload {
  bytes: Buffer;
  thumbnail?: Buffer;
  description?: string;
  focus?: { x: number; y: number };
}

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Mastodon's size validation: 16 MB for an image (an animated GIF is one when it is checked), 99 MB for video and audio. */
function checkSize(source: AudioVisualSource, size: number) {
  const limit = source.demuxer === 'gif' ? MEDIA_LIMITS.image_size_limit : MEDIA_LIMITS.video_size_limit;
  if (size > limit) throw validationFailed([`File file size must be less than ${megabytes(limit)} MB`]);
}

async function newId(ctx: AppContext): Promise<string> {
  const [row] = await queryRows<{ id: string }>(ctx.db, sql`SELECT timestamp_id()::text AS id`);
  return row!.id;
}

/** Puts files one by one, remembering them, so that a failure removes every one already put. */
class StoredFiles {
  readonly keys: string[] = [];
  readonly #ctx: AppContext;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<string> {
    this.keys.push(key);
    await this.#ctx.storage.put(key, bytes, contentType);
    return key;
  }

  async removeAll() {
    await Promise.allSettled(this.keys.map((key) => this.#ctx.storage.delete(key)));
  }
}

/** Stores the processed styles of attachment `id`; returns the columns they set. */
async function storeStyles(files: StoredFiles, id: string, processed: ProcessedAudioVisual) {
  const base = randomFileBase();
  const original = await readFile(processed.original.path);
  const fileKey = await files.put(mediaFileKey(id, 'original', `${base}.${processed.extension}`), original, processed.contentType);
  const smallFileKey = processed.small ? await files.put(mediaFileKey(id, 'small', `${base}.png`), processed.small.bytes, 'image/png') : null;
  return {
    type: processed.type,
    fileKey,
    smallFileKey,
    contentType: processed.contentType,
    fileSize: processed.original.size,
    blurhash: processed.blurhash,
    meta: { original: processed.originalMeta, ...(processed.small ? { small: processed.small.meta } : {}) },
  };
}

/** Stores a thumbnail of attachment `id`; returns the columns it sets (its preview size and blurhash become the attachment's). */
async function storeThumbnailOf(files: StoredFiles, id: string, thumbnail: Thumbnail, meta: Record<string, unknown> | null | undefined) {
  const key = await files.put(thumbnailFileKey(id, randomFileName(thumbnail.extension)), thumbnail.bytes, thumbnail.contentType);
  return thumbnailValues(key, thumbnail, meta ?? null);
}

/** An audio file's cover becomes its thumbnail when it was given none (Paperclip::ImageExtractor); a cover that is no usable image is left out. */
async function coverThumbnail(processed: ProcessedAudioVisual): Promise<Thumbnail | undefined> {
  return processed.cover ? prepareThumbnail(processed.cover).catch(() => undefined) : undefined;
}

/**
 * A checked upload of video or audio (or an animated GIF): processed now, or stored for a job when
 * `delayProcessing` (v2; never for a GIF, which Mastodon checks as an image and processes at once).
 */
export async function uploadAudioVisual(
  ctx: AppContext,
  accountId: string,
  upload: AudioVisualUpload,
  source: AudioVisualSource,
  options: { delayProcessing?: boolean } = {},
): Promise<MediaAttachmentRow> {
  checkSize(source, upload.bytes.length);
  if (upload.thumbnail && source.demuxer === 'gif') throw thumbnailMustBeBlank();
  const thumbnail = upload.thumbnail ? await prepareThumbnail(upload.thumbnail) : undefined;
  return withTempDir(async (dir) => {
    const input: MediaInput = { path: join(dir, `upload.${source.extension}`), ...source };
    await writeFile(input.path, upload.bytes);
    const probe = await probeMedia(ctx.config, input.path, input.demuxer).catch((error: unknown) => {
      throw error instanceof ToolTimedOut ? processingFailed(error) : error;
    });
    checkAudioVisual(probe, source.demuxer === 'gif');
    const delay = options.delayProcessing && source.demuxer !== 'gif';
    const processed = delay ? undefined : await withTranscodeSlot(ctx.config, () => processAudioVisual(ctx.config, input, probe, dir));
    const id = await newId(ctx);
    const files = new StoredFiles(ctx);
    try {
      const focus = upload.focus ? { focus: upload.focus } : {};
      const common = { id, accountId, description: upload.description || null };
      let values: typeof mediaAttachments.$inferInsert;
      if (processed) {
        const styles = await storeStyles(files, id, processed);
        values = { ...common, ...styles, meta: { ...styles.meta, ...focus }, processing: 'complete' };
      } else {
        // the upload as it came, for the job: its URL is shown only once it is processed
        const fileKey = await files.put(mediaFileKey(id, 'original', randomFileName(source.extension)), upload.bytes, 'application/octet-stream');
        values = { ...common, type: audioVisualType(probe), fileKey, fileSize: upload.bytes.length, meta: focus, processing: 'queued' };
      }
      const given = thumbnail ?? (processed ? await coverThumbnail(processed) : undefined);
      if (given) Object.assign(values, await storeThumbnailOf(files, id, given, values.meta));
      const [media] = await ctx.db.insert(mediaAttachments).values(values).returning();
      if (!processed) {
        try {
          await enqueue(ctx, PostProcessMedia, { mediaAttachmentId: id });
        } catch (error) {
          await ctx.db.delete(mediaAttachments).where(eq(mediaAttachments.id, id));
          throw error;
        }
      }
      return media!;
    } catch (error) {
      await files.removeAll();
      throw error;
    }
  });
}

/** Copies a stored upload to a local file, refusing one over the size limit. */
async function download(ctx: AppContext, key: string, path: string): Promise<boolean> {
  const info = await ctx.storage.head(key);
  if (!info) return false;
  if (info.size > MEDIA_LIMITS.video_size_limit) throw invalidType();
  const stream = await ctx.storage.get(key);
  if (!stream) return false;
  await pipeline(stream, createWriteStream(path));
  return true;
}

/** The first bytes of a file, enough to tell its container. */
async function head(path: string): Promise<Buffer> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read({ buffer: Buffer.alloc(4096) });
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

const markFailed = (ctx: AppContext, id: string) =>
  ctx.db
    .update(mediaAttachments)
    .set({ processing: 'failed', updatedAt: new Date() })
    .where(and(eq(mediaAttachments.id, id), inArray(mediaAttachments.processing, ['queued', 'in_progress'])));

/**
 * How long a job waits for a transcode slot of its process, and then how long it stays queued
 * before it is tried again (by whichever worker process takes it), when every slot stayed taken.
 */
export const transcodeSlotWait = { waitMs: 10_000, retryDelayMs: 5_000 };

/**
 * PostProcessMediaWorker: makes the styles of an upload stored by `POST /api/v2/media`. The upload
 * the job cannot process (ffmpeg refuses it) is marked `failed` at once; any other error (storage,
 * database) is retried, and marks it failed on the `lastAttempt`. What the job stored before failing
 * is removed; an attachment deleted meanwhile gets nothing. When the process's transcode slots stay
 * all taken for 10 s, the job is queued again for a moment later rather than holding a worker thread.
 */
export async function postProcessMedia(ctx: AppContext, mediaAttachmentId: string, options: { lastAttempt: boolean }): Promise<void> {
  const [media] = await ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, mediaAttachmentId)).limit(1);
  if (!media?.fileKey || (media.processing !== 'queued' && media.processing !== 'in_progress')) return;
  const files = new StoredFiles(ctx);
  try {
    const ran = await withTranscodeSlotWithin(ctx.config, transcodeSlotWait.waitMs, () => processStoredUpload(ctx, media, files));
    if (!ran) {
      await enqueue(ctx, PostProcessMedia, { mediaAttachmentId }, { delayMs: transcodeSlotWait.retryDelayMs });
      return;
    }
    if (!ran.result) {
      await files.removeAll();
      return;
    }
    await ctx.storage.delete(media.fileKey).catch((error: unknown) => ctx.log.warn({ err: error, key: media.fileKey }, 'could not remove a processed upload'));
  } catch (error) {
    await files.removeAll();
    // ffmpeg refused the file: there is no point in trying again (but a tool that ran out of time may have been starved)
    const refused = error instanceof ApiError && !(error.cause instanceof ToolTimedOut);
    if (!refused && !options.lastAttempt) throw error;
    await markFailed(ctx, media.id);
    ctx.log.warn({ err: error, mediaAttachmentId: media.id }, 'processing a media attachment failed');
  }
}

/** Processes the stored upload of `media` and records its styles; false when it is gone (deleted meanwhile). */
async function processStoredUpload(ctx: AppContext, media: MediaAttachmentRow, files: StoredFiles): Promise<boolean> {
  await ctx.db.update(mediaAttachments).set({ processing: 'in_progress' }).where(eq(mediaAttachments.id, media.id));
  const uploadKey = media.fileKey!;
  return withTempDir(async (dir) => {
    const path = join(dir, 'upload');
    if (!(await download(ctx, uploadKey, path))) return false;
    const source = audioVisualSource(await head(path));
    if (!source || source.demuxer === 'gif') throw invalidType();
    const input: MediaInput = { path, ...source };
    const probe = await probeMedia(ctx.config, path, input.demuxer);
    checkAudioVisual(probe, false);
    const processed = await processAudioVisual(ctx.config, input, probe, dir);
    const styles = await storeStyles(files, media.id, processed);
    const cover = media.thumbnailFileKey ? undefined : await coverThumbnail(processed);
    const coverValues = cover ? await storeThumbnailOf(files, media.id, cover, null) : undefined;
    const stored = await ctx.db.transaction(async (tx) => {
      const [current] = await tx.select().from(mediaAttachments).where(eq(mediaAttachments.id, media.id)).for('update');
      if (current?.processing !== 'in_progress' || current.fileKey !== uploadKey) return null;
      // what the member set meanwhile stays: the description, the focus, a thumbnail (its preview size and blurhash)
      const meta: Record<string, unknown> = { ...(current.meta ?? {}), ...styles.meta };
      const values = { ...styles, meta, processing: 'complete', updatedAt: new Date() };
      if (current.thumbnailFileKey) Object.assign(values, { blurhash: current.blurhash, meta: { ...meta, small: current.meta?.small } });
      else if (coverValues) Object.assign(values, coverValues, { meta: { ...meta, small: coverValues.meta.small } });
      await tx.update(mediaAttachments).set(values).where(eq(mediaAttachments.id, media.id));
      return current;
    });
    // an attachment posted while it was processed: its status shows the processed files now
    await forgetStatusParts(ctx, [stored?.statusId]);
    return stored !== null;
  });
}
