import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { followRequests } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { createFollow } from './follow-account.ts';
import { clearFollowRequestNotification } from './follow-counters.ts';
import { notify } from '../notifications/notify.ts';
import { deliverFollowAnswer } from '../activitypub/relationship-deliveries.ts';

async function findRequest(ctx: AppContext, requesterId: string, targetId: string) {
  const [request] = await ctx.db
    .select()
    .from(followRequests)
    .where(and(eq(followRequests.accountId, requesterId), eq(followRequests.targetAccountId, targetId)))
    .limit(1);
  if (!request) throw notFound();
  return request;
}

/**
 * Mastodon's AuthorizeFollowService, as `POST /api/v1/follow_requests/:id/authorize` runs it: the
 * request becomes a follow with its options, the accepting account gets a `follow` notification
 * from the new follower, and a remote follower gets an Accept.
 */
export async function authorizeFollowRequest(ctx: AppContext, targetId: string, requesterId: string) {
  const request = await findRequest(ctx, requesterId, targetId);
  await createFollow(ctx, requesterId, targetId, { showReblogs: request.showReblogs, notify: request.notify, languages: request.languages, uri: request.uri });
  await clearFollowRequestNotification(ctx, targetId, requesterId);
  await notify(ctx, { recipientId: targetId, fromAccountId: requesterId, type: 'follow' });
  await deliverFollowAnswer(ctx, 'Accept', targetId, requesterId, request);
}

/** Mastodon's RejectFollowService: a remote requester gets a Reject. */
export async function rejectFollowRequest(ctx: AppContext, targetId: string, requesterId: string) {
  const request = await findRequest(ctx, requesterId, targetId);
  await ctx.db.delete(followRequests).where(eq(followRequests.id, request.id));
  await clearFollowRequestNotification(ctx, targetId, requesterId);
  await deliverFollowAnswer(ctx, 'Reject', targetId, requesterId, request);
}
