import { and, asc, gt, isNull, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, statuses } from '../../db/schema.ts';

/*
 * tootctl cache recount: the counters kept on rows, computed again from what they count, for this
 * server's own accounts and statuses (other servers' counters are what their servers report). A
 * batch at a time in id order, so a run stopped half-way leaves right counters behind it.
 */

export type RecountTarget = 'accounts' | 'statuses';

const TARGETS = {
  accounts: {
    table: accounts,
    id: accounts.id,
    scope: isNull(accounts.domain),
    update: (ids: SQL) => sql`UPDATE accounts AS a SET
        statuses_count = (SELECT count(*) FROM statuses s WHERE s.account_id = a.id AND s.deleted_at IS NULL),
        following_count = (SELECT count(*) FROM follows f WHERE f.account_id = a.id),
        followers_count = (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id)
      WHERE a.id IN (${ids})`,
  },
  statuses: {
    table: statuses,
    id: statuses.id,
    scope: and(sql`${statuses.local}`, isNull(statuses.deletedAt))!,
    update: (ids: SQL) => sql`UPDATE statuses AS s SET
        replies_count = (SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.deleted_at IS NULL),
        reblogs_count = (SELECT count(*) FROM statuses r WHERE r.reblog_of_id = s.id AND r.deleted_at IS NULL),
        favourites_count = (SELECT count(*) FROM favourites f WHERE f.status_id = s.id)
      WHERE s.id IN (${ids})`,
  },
};

export async function countRecountable(ctx: AppContext, target: RecountTarget): Promise<number> {
  const { table, scope } = TARGETS[target];
  const [row] = await ctx.db.select({ count: sql<number>`count(*)::int` }).from(table).where(scope);
  return row!.count;
}

/** Recounts the next `limit` rows after `afterId`; resolves the last id done, or undefined when none was left. */
export async function recountBatch(ctx: AppContext, target: RecountTarget, afterId: string | undefined, limit: number): Promise<{ lastId?: string; done: number }> {
  const { table, id, scope, update } = TARGETS[target];
  const rows = await ctx.db
    .select({ id })
    .from(table)
    .where(and(scope, afterId ? gt(id, afterId) : undefined))
    .orderBy(asc(id))
    .limit(limit);
  if (rows.length === 0) return { done: 0 };
  await ctx.db.execute(
    update(
      sql.join(
        rows.map((row) => sql`${row.id}`),
        sql`, `,
      ),
    ),
  );
  return { lastId: rows.at(-1)!.id, done: rows.length };
}
