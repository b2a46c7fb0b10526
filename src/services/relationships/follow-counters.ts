import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

/**
 * Recomputes followers_count and following_count of these accounts from the follows table (never
 * drifts). Remote accounts are left out: their counts are what their server reports, which
 * adjustRemoteFollowCounts moves by one between refreshes, as Mastodon's counters do.
 */
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
    WHERE id IN (${list}) AND domain IS NULL`);
  await forgetAccounts(ctx, ids);
}

/** A follow from `sourceId` to `targetId` was made (+1) or undone (-1): the remote side's counter moves. */
export async function adjustRemoteFollowCounts(ctx: AppContext, sourceId: string, targetId: string, delta: 1 | -1) {
  await ctx.db.execute(sql`UPDATE accounts SET following_count = greatest(0, following_count + ${delta}) WHERE id = ${sourceId} AND domain IS NOT NULL`);
  await ctx.db.execute(sql`UPDATE accounts SET followers_count = greatest(0, followers_count + ${delta}) WHERE id = ${targetId} AND domain IS NOT NULL`);
  await forgetAccounts(ctx, [sourceId, targetId]);
}

/** Takes `accountId`'s "someone asked to follow you" notification from `requesterId` away once the request is settled. */
export async function clearFollowRequestNotification(ctx: AppContext, accountId: string, requesterId: string) {
  await ctx.db.execute(sql`DELETE FROM notifications WHERE account_id = ${accountId} AND from_account_id = ${requesterId} AND type = 'follow_request'`);
}
