import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { removeStoredFiles } from '../media/stored-files.ts';

/*
 * tootctl preview_cards remove: the stored thumbnails of preview cards fetched more than N days ago
 * are removed (the card stays, without an image), or with `linkOnly` only those of link cards,
 * which are rarely looked at once their post has aged (photo and video cards show their image).
 */

function stale(cutoff: Date, linkOnly: boolean) {
  return sql`c.image_file_key IS NOT NULL AND c.updated_at < ${cutoff.toISOString()}::timestamptz ${linkOnly ? sql`AND c.type = 'link'` : sql``}`;
}

export async function countStalePreviewCardImages(ctx: AppContext, cutoff: Date, linkOnly: boolean): Promise<number> {
  const [row] = await queryRows<{ count: number }>(ctx.db, sql`SELECT count(*)::int AS count FROM preview_cards c WHERE ${stale(cutoff, linkOnly)}`);
  return Number(row!.count);
}

export async function stalePreviewCardsAfter(ctx: AppContext, cutoff: Date, linkOnly: boolean, afterId: string | undefined, limit: number): Promise<{ id: string; size: number }[]> {
  const rows = await queryRows<{ id: string | number; image_file_size: number | null }>(
    ctx.db,
    sql`SELECT c.id, c.image_file_size FROM preview_cards c WHERE ${stale(cutoff, linkOnly)} ${afterId ? sql`AND c.id > ${afterId}` : sql``} ORDER BY c.id LIMIT ${limit}`,
  );
  return rows.map((row) => ({ id: String(row.id), size: Number(row.image_file_size ?? 0) }));
}

/** The card's image file removed and the card left without one; resolves whether it had one still. */
export async function removePreviewCardImage(ctx: AppContext, cardId: string): Promise<boolean> {
  const [row] = await queryRows<{ key: string }>(
    ctx.db,
    sql`UPDATE preview_cards c SET image_file_key = NULL, image_content_type = NULL, image_file_size = NULL, blurhash = NULL, updated_at = now()
        FROM (SELECT id, image_file_key AS key FROM preview_cards WHERE id = ${cardId} FOR UPDATE) old
        WHERE c.id = old.id AND old.key IS NOT NULL RETURNING old.key`,
  );
  if (!row) return false;
  await removeStoredFiles(ctx, [row.key], { reason: 'preview card image removed' });
  return true;
}
