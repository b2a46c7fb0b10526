import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { mediaAttachments } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { processImage, styleMeta, type StyleMeta } from './media-processing.ts';
import { randomFileName, thumbnailFileKey } from './keys.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';

/**
 * A video's or audio's own preview picture (Mastodon's `thumbnail` attachment, from the `thumbnail`
 * param or an audio file's cover): an image processed as uploads are, kept at the size of a `small`
 * preview. It is the attachment's `preview_url`, its `meta.small` and its blurhash.
 */
export interface Thumbnail {
  bytes: Buffer;
  contentType: string;
  extension: string;
  meta: StyleMeta;
  blurhash: string | null;
}

export const thumbnailMustBeBlank = () => validationFailed(['Thumbnail must be blank']);

/** The picture, checked and shrunk like an uploaded image (a 422 when it is none). */
export async function prepareThumbnail(bytes: Buffer): Promise<Thumbnail> {
  const image = await processImage(bytes);
  return { bytes: image.small.bytes, contentType: image.contentType, extension: image.extension, meta: styleMeta(image.small.width, image.small.height), blurhash: image.blurhash };
}

/** Stores a thumbnail for attachment `id`; returns its key. */
export async function storeThumbnail(ctx: AppContext, id: string, thumbnail: Thumbnail): Promise<string> {
  const key = thumbnailFileKey(id, randomFileName(thumbnail.extension));
  await ctx.storage.put(key, thumbnail.bytes, thumbnail.contentType);
  return key;
}

/** The columns a thumbnail sets: its file, and the preview size and blurhash it gives the attachment. */
export function thumbnailValues(key: string, thumbnail: Thumbnail, meta: Record<string, unknown> | null) {
  return {
    thumbnailFileKey: key,
    thumbnailContentType: thumbnail.contentType,
    blurhash: thumbnail.blurhash,
    meta: { ...(meta ?? {}), small: thumbnail.meta },
  };
}

/** `PUT /api/v1/media/:id` with `thumbnail`: only a video or audio takes one; the one it had is removed. */
export async function replaceThumbnail(ctx: AppContext, media: MediaAttachmentRow, bytes: Buffer): Promise<MediaAttachmentRow> {
  if (media.type !== 'video' && media.type !== 'audio') throw thumbnailMustBeBlank();
  const thumbnail = await prepareThumbnail(bytes);
  const key = await storeThumbnail(ctx, media.id, thumbnail);
  try {
    // the preview size is merged in the database: the processing job may be writing the other sizes
    const [updated] = await ctx.db
      .update(mediaAttachments)
      .set({
        ...thumbnailValues(key, thumbnail, null),
        meta: sql`coalesce(${mediaAttachments.meta}, '{}'::jsonb) || ${JSON.stringify({ small: thumbnail.meta })}::jsonb`,
        updatedAt: new Date(),
      })
      .where(eq(mediaAttachments.id, media.id))
      .returning();
    if (!updated) throw new Error('the attachment is gone');
    await forgetStatusParts(ctx, [updated.statusId]);
    if (media.thumbnailFileKey) await ctx.storage.delete(media.thumbnailFileKey).catch(() => {});
    return updated;
  } catch (error) {
    await ctx.storage.delete(key).catch(() => {});
    throw error;
  }
}
