import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, statuses } from '../db/schema.ts';
import { DeliverInteraction, DeliverStatus } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';
import type { StatusRow } from './post-status.ts';

/**
 * What a local status's change tells other servers: its Create (a boost's Announce), its Update,
 * its Delete (a boost's Undo). The federation layer builds the activity from the status row, which a
 * delete leaves in place, and sends it to the followers and the accounts the status reaches.
 */
export interface StatusDelivery {
  action: 'create' | 'update' | 'delete';
  statusId: string;
}

/** A member's favourite of a remote status or its undoing (the favourite's id names the Like), or their votes in a remote poll. */
export type InteractionDelivery =
  | { action: 'like' | 'unlike'; accountId: string; statusId: string; favouriteId: string }
  | { action: 'vote'; accountId: string; pollId: string };

/** Mastodon sends a local poll's new counts a few minutes after a vote (ActivityPub::DistributePollUpdateWorker), one Update for many votes. */
const POLL_RESULTS_DELAY_MS = 3 * 60 * 1000;

async function enqueueDelivery(ctx: AppContext, what: string, send: () => Promise<unknown>): Promise<void> {
  // the action is stored already: a member's request does not fail because the queue is away
  try {
    await send();
  } catch (error) {
    ctx.log.warn({ err: error, what }, 'could not enqueue a federation delivery');
  }
}

/** Queues the federation of a change to a status, when it is a local one. */
export async function deliverStatus(ctx: AppContext, status: Pick<StatusRow, 'id' | 'local'>, action: StatusDelivery['action']): Promise<void> {
  if (!status.local) return;
  await enqueueDelivery(ctx, `${action} ${status.id}`, () => enqueue(ctx, DeliverStatus, { action, statusId: status.id }));
}

async function isRemoteStatus(ctx: AppContext, statusId: string): Promise<boolean> {
  const [row] = await ctx.db.select({ local: statuses.local }).from(statuses).where(eq(statuses.id, statusId)).limit(1);
  return row?.local === false;
}

/** Queues a member's Like (or its Undo) of a remote status for the author's server; favourites of local statuses stay here. */
export async function deliverFavourite(ctx: AppContext, action: 'like' | 'unlike', accountId: string, statusId: string, favouriteId: string | undefined): Promise<void> {
  if (!favouriteId || !(await isRemoteStatus(ctx, statusId))) return;
  await enqueueDelivery(ctx, `${action} ${statusId}`, () => enqueue(ctx, DeliverInteraction, { action, accountId, statusId, favouriteId }));
}

/** After a member's vote: to a remote poll's server, the votes; for a local poll, its new counts to its audience, shortly. */
export async function deliverVote(ctx: AppContext, accountId: string, poll: { id: string; accountId: string; statusId: string | null }): Promise<void> {
  const [author] = await ctx.db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, poll.accountId)).limit(1);
  if (author?.domain) {
    await enqueueDelivery(ctx, `vote ${poll.id}`, () => enqueue(ctx, DeliverInteraction, { action: 'vote', accountId, pollId: poll.id }));
    return;
  }
  const [status] = poll.statusId ? await ctx.db.select().from(statuses).where(eq(statuses.id, poll.statusId)).limit(1) : [];
  if (status) await deliverPollResults(ctx, status);
}

/** Queues a local poll's new counts for its audience, a few minutes on, once for all the votes meanwhile. */
export async function deliverPollResults(ctx: AppContext, status: Pick<StatusRow, 'id' | 'local'>): Promise<void> {
  if (!status.local) return;
  await enqueueDelivery(ctx, `poll results ${status.id}`, () =>
    enqueue(ctx, DeliverStatus, { action: 'update', statusId: status.id }, { delayMs: POLL_RESULTS_DELAY_MS, uniqueKey: `poll-results:${status.id}` }),
  );
}
