import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';

/** Recomputes followers_count and following_count of these accounts from the follows table (never drifts). */
export async function recountFollows(ctx: AppContext, accountIds: string[]) {
  const ids = [...new Set(accountIds)];
  if (ids.length === 0) return;
  const list = sql.join(
    ids.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  await ctx.db.execute(sql`
    UPDATE accounts SET
      followers_count = (SELECT count(*) FROM follows f WHERE f.target_account_id = accounts.id),
      following_count = (SELECT count(*) FROM follows f WHERE f.account_id = accounts.id)
    WHERE id IN (${list})`);
}

/** Takes `accountId`'s "someone asked to follow you" notification from `requesterId` away once the request is settled. */
export async function clearFollowRequestNotification(ctx: AppContext, accountId: string, requesterId: string) {
  await ctx.db.execute(sql`DELETE FROM notifications WHERE account_id = ${accountId} AND from_account_id = ${requesterId} AND type = 'follow_request'`);
}
