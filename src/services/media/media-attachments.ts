import { and, eq, inArray, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { mediaAttachments } from '../../db/schema.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { INSTANCE_LIMITS, MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { processImage, styleMeta } from './media-processing.ts';
import { audioVisualSource, uploadAudioVisual } from './audio-visual-uploads.ts';
import { processingFailed } from './audio-visual.ts';
import { mediaFileKey, randomFileName } from './keys.ts';
import { replaceThumbnail, thumbnailMustBeBlank } from './thumbnails.ts';
import { recordRateLimit, refuseOverRateLimit, type RateLimitHeaders } from '../instance/rate-limiter.ts';
import { keysOf, removeStoredFiles } from './stored-files.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export { idPartition } from './keys.ts';

/**
 * A local upload (Mastodon's `MediaAttachment.local`: no `remote_url`). Not `file_key IS NOT NULL`:
 * a remote attachment's cached copy has a file too, and an upload may be without one while processed.
 */
export const isLocalMedia = sql`${mediaAttachments.remoteUrl} = ''`;

export interface UploadInput {
  bytes: Buffer;
  /** a video's or audio's own preview picture (Mastodon's `thumbnail` param) */
  thumbnail?: Buffer;
  description?: string;
  focus?: string;
}

/** Mastodon's `focus` param, "x,y" each within -1..1; undefined when absent. */
export function parseFocus(value: string | undefined): { x: number; y: number } | undefined {
  if (value === undefined || value === '') return undefined;
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n) || n < -1 || n > 1)) throw validationFailed(['Focus is invalid']);
  return { x: parts[0]!, y: parts[1]! };
}

function checkDescription(description: string | undefined) {
  if (description !== undefined && [...description].length > MEDIA_LIMITS.description_limit) {
    throw validationFailed([`Description is too long (maximum is ${MEDIA_LIMITS.description_limit} characters)`]);
  }
}

/**
 * An upload (MediaAttachment.create! in Api::V1::MediaController): validated, processed, stored,
 * then recorded, unattached. Refused input leaves nothing behind: files are written only once the
 * image is processed, and removed again if the row cannot be written. Video, audio and animated GIFs
 * go to media/audio-visual-uploads.ts; with `delayProcessing` (`POST /api/v2/media`) video and audio
 * are processed by a job, the attachment answering `processing` meanwhile.
 */
export async function uploadMedia(
  ctx: AppContext,
  accountId: string,
  input: UploadInput,
  options: { delayProcessing?: boolean } = {},
): Promise<{ media: MediaAttachmentRow; rateLimit: RateLimitHeaders }> {
  checkDescription(input.description);
  const focus = parseFocus(input.focus);
  await refuseOverRateLimit(ctx, accountId, 'media');
  const audioVisual = audioVisualSource(input.bytes);
  if (audioVisual) {
    const media = await uploadAudioVisual(ctx, accountId, { ...input, focus }, audioVisual, options);
    return { media, rateLimit: await recordRateLimit(ctx, accountId, 'media') };
  }
  if (input.thumbnail) throw thumbnailMustBeBlank();
  const image = await processImage(input.bytes);
  const rateLimit = await recordRateLimit(ctx, accountId, 'media');
  const [ids] = await queryRows<{ id: string }>(ctx.db, sql`SELECT timestamp_id()::text AS id`);
  const id = ids!.id;
  const name = randomFileName(image.extension);
  const keys = { original: mediaFileKey(id, 'original', name), small: mediaFileKey(id, 'small', name) };
  try {
    await ctx.storage.put(keys.original, image.original.bytes, image.contentType);
    await ctx.storage.put(keys.small, image.small.bytes, image.contentType);
    const meta: Record<string, unknown> = { original: styleMeta(image.original.width, image.original.height), small: styleMeta(image.small.width, image.small.height) };
    if (focus) meta.focus = focus;
    const [media] = await ctx.db
      .insert(mediaAttachments)
      .values({
        id,
        accountId,
        type: 'image',
        fileKey: keys.original,
        smallFileKey: keys.small,
        fileSize: image.original.bytes.length,
        contentType: image.contentType,
        description: input.description || null,
        blurhash: image.blurhash,
        meta,
        processing: 'complete',
      })
      .returning();
    return { media: media!, rateLimit };
  } catch (error) {
    await Promise.allSettled([ctx.storage.delete(keys.original), ctx.storage.delete(keys.small)]);
    throw error;
  }
}

/** The account's own local upload, or 404 (Mastodon scopes the lookup to current_account). */
export async function findOwnMedia(ctx: AppContext, accountId: string, id: string): Promise<MediaAttachmentRow> {
  if (!isRowId(id)) throw notFound();
  const [media] = await ctx.db
    .select()
    .from(mediaAttachments)
    .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.accountId, accountId), isLocalMedia))
    .limit(1);
  if (!media) throw notFound();
  return media;
}

/**
 * An upload not yet attached to a status (Api::V1::MediaController looks up only `status_id: nil`): 404 once attached,
 * and Mastodon's 422 (check_processing) once its processing failed.
 */
export async function findUnattachedMedia(ctx: AppContext, accountId: string, id: string): Promise<MediaAttachmentRow> {
  const media = await findOwnMedia(ctx, accountId, id);
  if (media.statusId) throw notFound();
  if (media.processing === 'failed') throw processingFailed();
  return media;
}

export interface MediaChanges {
  description?: string;
  focus?: string;
}

function changedValues(changes: MediaChanges) {
  checkDescription(changes.description);
  const focus = parseFocus(changes.focus);
  const values: { updatedAt: Date; description?: string | null; meta?: SQL } = { updatedAt: new Date() };
  if (changes.description !== undefined) values.description = changes.description || null;
  // merged in the database: a video's processing job may write its sizes at the same moment
  if (focus) values.meta = sql`coalesce(${mediaAttachments.meta}, '{}'::jsonb) || ${JSON.stringify({ focus })}::jsonb`;
  return values;
}

/**
 * `PUT /api/v1/media/:id`: description, focus and (for video and audio) the thumbnail, while the
 * upload is not attached (Mastodon: 404 once it is).
 */
export async function updateMedia(ctx: AppContext, accountId: string, id: string, changes: MediaChanges & { thumbnail?: Buffer }): Promise<MediaAttachmentRow> {
  let media = await findUnattachedMedia(ctx, accountId, id);
  const values = changedValues(changes);
  if (changes.thumbnail) media = await replaceThumbnail(ctx, media, changes.thumbnail);
  const [updated] = await ctx.db.update(mediaAttachments).set(values).where(eq(mediaAttachments.id, media.id)).returning();
  await forgetStatusParts(ctx, [updated?.statusId]);
  return updated!;
}

/** Removes the stored files of attachments (after their rows are gone); a failure is logged, never thrown. */
export async function deleteMediaFiles(ctx: AppContext, rows: Partial<Pick<MediaAttachmentRow, 'fileKey' | 'smallFileKey' | 'thumbnailFileKey'>>[]) {
  await removeStoredFiles(ctx, keysOf(rows.map((row) => ({ file: row.fileKey, small: row.smallFileKey, thumbnail: row.thumbnailFileKey }))), { reason: 'media deleted' });
}

/** `DELETE /api/v1/media/:id`: only an unattached upload (422 once attached, as Mastodon 4.x). */
export async function deleteMedia(ctx: AppContext, accountId: string, id: string): Promise<void> {
  const media = await findOwnMedia(ctx, accountId, id);
  if (media.statusId || (await scheduledMediaIds(ctx, accountId)).has(media.id)) throw new ApiError(422, 'Media attachment is currently used by a status');
  const [deleted] = await ctx.db
    .delete(mediaAttachments)
    .where(and(eq(mediaAttachments.id, media.id), isNull(mediaAttachments.statusId)))
    .returning();
  if (!deleted) throw new ApiError(422, 'Media attachment is currently used by a status');
  await deleteMediaFiles(ctx, [deleted]);
}

/**
 * The account's uploads its pending scheduled statuses will attach. They are reserved (Mastodon's
 * `media_attachments.scheduled_status_id`): no other post may take them and they cannot be deleted.
 */
export async function scheduledMediaIds(ctx: AppContext, accountId: string): Promise<Set<string>> {
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT DISTINCT jsonb_array_elements_text(params->'media_ids') AS id
        FROM scheduled_statuses WHERE account_id = ${accountId} AND jsonb_typeof(params->'media_ids') = 'array'`,
  );
  return new Set(rows.map((row) => row.id));
}

const notAttachable = (ids: string[]) => new ApiError(422, `Media ${ids.join(', ')} not found. Already attached to another post?`);

/**
 * The uploads `media_ids` names, in the order given, checked as PostStatusService#validate_media!:
 * at most four and no poll, all the poster's own, not attached elsewhere nor reserved by a pending
 * scheduled status (`statusId` names the status being edited, whose attachments may stay).
 */
export async function attachableMedia(ctx: AppContext, accountId: string, mediaIds: string[], options: { statusId?: string; withPoll?: boolean } = {}): Promise<MediaAttachmentRow[]> {
  if (mediaIds.length === 0) return [];
  const max = INSTANCE_LIMITS.statuses.max_media_attachments;
  // Mastodon::ValidationError, with the same message for a poll
  if (mediaIds.length > max || options.withPoll) throw new ApiError(422, `Cannot attach more than ${max} files`);
  const ids = [...new Set(mediaIds)];
  if (!ids.every(isRowId)) throw notAttachable(mediaIds);
  const rows = await ctx.db
    .select()
    .from(mediaAttachments)
    .where(and(inArray(mediaAttachments.id, ids), eq(mediaAttachments.accountId, accountId), isLocalMedia));
  const reserved = await scheduledMediaIds(ctx, accountId);
  const usable = rows.filter((row) => (row.statusId === null || row.statusId === options.statusId) && !reserved.has(row.id));
  const missing = ids.filter((id) => !usable.some((row) => row.id === id));
  if (missing.length) throw notAttachable(missing);
  if (usable.some((row) => row.processing !== 'complete')) throw new ApiError(422, 'Cannot attach files that have not finished processing. Try again in a moment!');
  return ids.map((id) => usable.find((row) => row.id === id)!);
}

/**
 * Makes `media` (in order) the status's attachments within its transaction; uploads it had before
 * and no longer names are detached, back to unattached uploads, as Mastodon leaves them (a new
 * status, `fresh`, has none). The uploads are claimed in one statement.
 */
export async function attachMedia(tx: Tx, statusId: string, media: MediaAttachmentRow[], options: { fresh?: boolean } = {}) {
  const keep = media.map((row) => row.id);
  if (!options.fresh) {
    await tx
      .update(mediaAttachments)
      .set({ statusId: null })
      .where(and(eq(mediaAttachments.statusId, statusId), isLocalMedia, keep.length ? notInArray(mediaAttachments.id, keep) : sql`true`));
  }
  if (keep.length === 0) return;
  const claimed = await queryRows<{ id: string }>(
    tx as unknown as Database,
    sql`UPDATE media_attachments m SET status_id = ${statusId}::bigint, position = (w.ord - 1)::int, updated_at = now()
      FROM unnest(ARRAY[${sql.join(
        keep.map((id) => sql`${id}::bigint`),
        sql`, `,
      )}]) WITH ORDINALITY AS w(id, ord)
      WHERE m.id = w.id AND (m.status_id IS NULL OR m.status_id = ${statusId}::bigint)
      RETURNING m.id::text AS id`,
  );
  // another post took one since they were checked: the whole post is refused
  const taken = keep.filter((id) => !claimed.some((row) => String(row.id) === id));
  if (taken.length) throw notAttachable(taken);
}

/**
 * A deleted status's uploads become unattached again (Mastodon's `dependent: :nullify`), so
 * delete-and-redraft can post them anew with `media_ids`.
 */
export async function detachMedia(ctx: AppContext, statusId: string) {
  await ctx.db
    .update(mediaAttachments)
    .set({ statusId: null })
    .where(and(eq(mediaAttachments.statusId, statusId), isLocalMedia));
}

/** The ids of a status's local attachments, in order. */
export async function attachedMediaIds(ctx: AppContext, statusId: string): Promise<string[]> {
  const rows = await ctx.db
    .select({ id: mediaAttachments.id })
    .from(mediaAttachments)
    .where(and(eq(mediaAttachments.statusId, statusId), isLocalMedia))
    .orderBy(mediaAttachments.position, mediaAttachments.id);
  return rows.map((row) => row.id);
}

/** Edits' `media_attributes[]`: description and focus of attachments the status keeps. */
export async function updateAttachedMedia(tx: Tx, media: MediaAttachmentRow[], attributes: ({ id: string } & MediaChanges)[]) {
  for (const attribute of attributes) {
    const row = media.find((candidate) => candidate.id === attribute.id);
    if (!row) continue;
    await tx.update(mediaAttachments).set(changedValues(attribute)).where(eq(mediaAttachments.id, row.id));
  }
}

/** What a feed's enclosure says of an attachment's original file: its bytes and type, where a copy is stored. */
export interface MediaFileFacts {
  size: number | null;
  contentType: string | null;
}

export async function mediaFileFacts(ctx: AppContext, ids: string[]): Promise<Map<string, MediaFileFacts>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: mediaAttachments.id, size: mediaAttachments.fileSize, contentType: mediaAttachments.contentType })
    .from(mediaAttachments)
    .where(inArray(mediaAttachments.id, ids));
  return new Map(rows.map((row) => [row.id, { size: row.size, contentType: row.contentType }]));
}
