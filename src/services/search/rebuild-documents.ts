import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';

/** How many statuses have a search document (all but reblogs): what `subspace search deploy` walks. */
export async function countSearchableStatuses(ctx: AppContext): Promise<number> {
  const [row] = await queryRows<{ count: string | number }>(ctx.db, sql`SELECT count(*) AS count FROM statuses WHERE reblog_of_id IS NULL`);
  return Number(row?.count ?? 0);
}

/**
 * Writes again the search documents of the next `limit` statuses after `afterId` (in id order),
 * one statement per batch; returns how many it wrote and the last id (undefined when none were left).
 */
export async function rebuildSearchDocuments(ctx: AppContext, afterId: string | undefined, limit: number): Promise<{ written: number; lastId: string | undefined }> {
  const [row] = await queryRows<{ written: string | number; last_id: string | null }>(
    ctx.db,
    sql`WITH batch AS (
          SELECT id, language, spoiler_text, text FROM statuses
          WHERE reblog_of_id IS NULL ${afterId ? sql`AND id > ${afterId}` : sql``}
          ORDER BY id LIMIT ${limit}
        ), written AS (
          INSERT INTO status_search_documents (status_id, document)
            SELECT id, status_search_document(language, spoiler_text, text) FROM batch
          ON CONFLICT (status_id) DO UPDATE SET document = EXCLUDED.document
          RETURNING status_id
        )
        SELECT count(*) AS written, max(status_id)::text AS last_id FROM written`,
  );
  return { written: Number(row?.written ?? 0), lastId: row?.last_id ?? undefined };
}

/** Drops documents no status should have (reblogs), and gives the planner fresh statistics of them. */
export async function finishSearchDocuments(ctx: AppContext): Promise<void> {
  await ctx.db.execute(sql`DELETE FROM status_search_documents d USING statuses s WHERE s.id = d.status_id AND s.reblog_of_id IS NOT NULL`);
  await ctx.db.execute(sql`ANALYZE status_search_documents`);
}
