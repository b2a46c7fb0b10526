import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { notFound } from '../../lib/errors.ts';
import { findVisibleStatus } from './visibility.ts';
import type { StatusRow } from '../../db/schema.ts';

export type { StatusRow };

/**
 * The status an interaction acts on: visible to the member (404 otherwise, as Mastodon's
 * `authorize @status, :show?` does), and for a reblog, the original it wraps.
 */
export async function interactionTarget(ctx: AppContext, statusId: string, accountId: string): Promise<StatusRow> {
  return (await interactionTargets(ctx, statusId, accountId)).original;
}

/** The status asked for (possibly a boost, which Mastodon answers with) and the original acted on. */
export async function interactionTargets(ctx: AppContext, statusId: string, accountId: string): Promise<{ requested: StatusRow; original: StatusRow }> {
  const found = await findVisibleStatus(ctx, statusId, accountId);
  if (!found) throw notFound();
  if (!found.reblogOfId) return { requested: found, original: found };
  const original = await findVisibleStatus(ctx, found.reblogOfId, accountId);
  if (!original) throw notFound();
  return { requested: found, original };
}

/** Whether `accountId` blocks `targetId`. */
export async function isBlocking(ctx: AppContext, accountId: string, targetId: string): Promise<boolean> {
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM blocks WHERE account_id = ${accountId} AND target_account_id = ${targetId} LIMIT 1`);
  return rows.length > 0;
}

/** Takes the status row's lock for the rest of the transaction, so counter recomputations do not interleave. */
export async function lockStatus(db: AppContext['db'], statusId: string) {
  await db.execute(sql`SELECT id FROM statuses WHERE id = ${statusId} FOR UPDATE`);
}

/** Recomputes a status's reblogs_count from its live reblogs. */
export async function recomputeReblogsCount(db: AppContext['db'], statusId: string) {
  await db.execute(sql`UPDATE statuses SET reblogs_count =
    (SELECT count(*) FROM statuses r WHERE r.reblog_of_id = ${statusId} AND r.deleted_at IS NULL)
    WHERE id = ${statusId}`);
}

/** Recomputes a status's favourites_count. */
export async function recomputeFavouritesCount(db: AppContext['db'], statusId: string) {
  await db.execute(sql`UPDATE statuses SET favourites_count =
    (SELECT count(*) FROM favourites f WHERE f.status_id = ${statusId})
    WHERE id = ${statusId}`);
}
