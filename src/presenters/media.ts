import { inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { mediaAttachments } from '../db/schema.ts';
import { renderMediaAttachment, type RenderedMediaAttachment } from '../serializers/media-attachment.ts';

/** Attachments by id (a status's revisions name theirs), whether still attached or not. */
export async function renderedMediaByIds(ctx: AppContext, ids: string[]): Promise<Map<string, RenderedMediaAttachment>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .select()
    .from(mediaAttachments)
    .where(inArray(mediaAttachments.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, renderMediaAttachment(row, ctx)]));
}
