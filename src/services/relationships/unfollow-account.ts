import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { followRequests, follows, notifications } from '../../db/schema.ts';
import { FeedUnmerge } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { adjustRemoteFollowCounts, clearFollowRequestNotification, recountFollows } from './follow-counters.ts';
import { deliverFollowEnded } from '../activitypub/relationship-deliveries.ts';

/**
 * Mastodon's UnfollowService: ends `sourceId`'s follow of `targetId` (taking the target's statuses
 * out of the source's home feed and the target out of the source's lists), or withdraws a pending
 * request, and tells the remote side (Undo or Reject) unless `federate` is false, as when the
 * remote side is the one that undid it. Returns whether anything was undone.
 */
export async function unfollowAccount(ctx: AppContext, sourceId: string, targetId: string, options: { federate?: boolean } = {}): Promise<boolean> {
  const removed = await ctx.db
    .delete(follows)
    .where(and(eq(follows.accountId, sourceId), eq(follows.targetAccountId, targetId)))
    .returning({ id: follows.id, uri: follows.uri });
  const withdrawn = await ctx.db
    .delete(followRequests)
    .where(and(eq(followRequests.accountId, sourceId), eq(followRequests.targetAccountId, targetId)))
    .returning({ id: followRequests.id, uri: followRequests.uri });
  if (withdrawn.length) await clearFollowRequestNotification(ctx, targetId, sourceId);
  if (removed.length) {
    // list members are followed accounts (Mastodon's list_accounts hang off the follow)
    await ctx.db.execute(sql`DELETE FROM list_accounts WHERE account_id = ${targetId} AND list_id IN (SELECT id FROM lists WHERE account_id = ${sourceId})`);
    // the follow notification goes with the follow, so following again notifies again
    await ctx.db.delete(notifications).where(and(eq(notifications.accountId, targetId), eq(notifications.fromAccountId, sourceId), eq(notifications.type, 'follow')));
    await recountFollows(ctx, [sourceId, targetId]);
    await adjustRemoteFollowCounts(ctx, sourceId, targetId, -1);
    await enqueue(ctx, FeedUnmerge, { accountId: sourceId, targetAccountId: targetId });
  }
  const ended = removed[0] ?? withdrawn[0];
  if (ended && options.federate !== false) await deliverFollowEnded(ctx, sourceId, targetId, ended);
  return ended !== undefined;
}

/** Mastodon's RemoveFromFollowersService: `followerId` no longer follows `accountId`. */
export async function removeFromFollowers(ctx: AppContext, accountId: string, followerId: string): Promise<boolean> {
  const [follow] = await ctx.db
    .select({ id: follows.id })
    .from(follows)
    .where(and(eq(follows.accountId, followerId), eq(follows.targetAccountId, accountId)))
    .limit(1);
  if (!follow) return false;
  return unfollowAccount(ctx, followerId, accountId);
}
