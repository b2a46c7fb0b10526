import { asc, inArray } from 'drizzle-orm';
import type { Storage } from '../backends/storage/index.ts';
import type { AppContext } from '../context.ts';
import { mediaAttachments } from '../db/schema.ts';

export type MediaAttachmentRow = typeof mediaAttachments.$inferSelect;

/**
 * A local upload's files: none while a video or audio is still being processed (`url` is null, as
 * Mastodon shows it), its thumbnail as the preview when it has one, else its `small` style.
 */
function localUrls(row: MediaAttachmentRow, storage: Storage) {
  const processed = row.processing === 'complete';
  const preview = row.thumbnailFileKey ?? (processed ? row.smallFileKey : null);
  return { url: processed ? storage.url(row.fileKey!) : null, preview: preview ? storage.url(preview) : null };
}

/**
 * Mastodon's MediaAttachment entity (REST::MediaAttachmentSerializer). A local upload is served from
 * storage (`url` the original, `preview_url` the small preview). An attachment kept as a reference
 * to another server: Mastodon shows media it has not cached through its media proxy; here `url` is
 * the remote file itself, and `preview_url` too for images (what clients show inline). An
 * `unknown` attachment (a type not shown inline, or from a domain whose media are rejected) has no
 * `url`: clients link to its `remote_url`, as Mastodon's web client does.
 */
export function renderMediaAttachment(row: MediaAttachmentRow, storage: Storage) {
  const local = row.fileKey ? localUrls(row, storage) : null;
  const remote = local ? null : row.remoteUrl || null;
  const shown = local ? local.url : row.type === 'unknown' ? null : remote;
  const preview = local ? local.preview : row.type === 'image' || row.type === 'gifv' ? shown : null;
  return {
    id: row.id,
    type: row.type,
    url: shown,
    preview_url: preview,
    remote_url: remote,
    preview_remote_url: null,
    text_url: null,
    meta: row.meta ?? null,
    description: row.description ?? null,
    blurhash: row.blurhash ?? null,
  };
}

export type RenderedMediaAttachment = ReturnType<typeof renderMediaAttachment>;

/** Attachments by id (a status's revisions name theirs), whether still attached or not. */
export async function renderedMediaByIds(ctx: AppContext, ids: string[]): Promise<Map<string, RenderedMediaAttachment>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, renderMediaAttachment(row, ctx.storage)]));
}

/** The attachments of many statuses in one query, each status's in order. */
export async function mediaOfStatuses(ctx: AppContext, statusIds: string[]): Promise<Map<string, RenderedMediaAttachment[]>> {
  const result = new Map<string, RenderedMediaAttachment[]>();
  if (statusIds.length === 0) return result;
  const rows = await ctx.db
    .select()
    .from(mediaAttachments)
    .where(inArray(mediaAttachments.statusId, statusIds))
    .orderBy(asc(mediaAttachments.position), asc(mediaAttachments.id));
  for (const row of rows) {
    const list = result.get(row.statusId!);
    if (list) list.push(renderMediaAttachment(row, ctx.storage));
    else result.set(row.statusId!, [renderMediaAttachment(row, ctx.storage)]);
  }
  return result;
}
