import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { preparedVariants } from '../../db/prepared.ts';
import { accounts, pendingDistributions, statuses } from '../../db/schema.ts';
import { DeliverInteraction, DeliverStatus } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { StatusRow } from '../statuses/post-status.ts';

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
export type InteractionDelivery = { action: 'like' | 'unlike'; accountId: string; statusId: string; favouriteId: string } | { action: 'vote'; accountId: string; pollId: string };

/** Mastodon sends a local poll's new counts a few minutes after a vote (ActivityPub::DistributePollUpdateWorker), one Update for many votes. */
const POLL_RESULTS_DELAY_MS = 3 * 60 * 1000;

/**
 * Queues a delivery after a member's action, which is stored already. A delivery the queue cannot
 * take waits in deferred_jobs for the scheduler (src/jobs/enqueue.ts); should even that fail (the
 * database is away too), the failure is logged: the member's request does not fail for it.
 */
async function enqueueDelivery(ctx: AppContext, what: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    ctx.log.warn({ err: error, what }, 'could not enqueue a federation delivery');
  }
}

const DISTRIBUTABLE = sql`('public', 'unlisted', 'private')`;

/**
 * Whether a change to the status would reach any other server: a remote follower of its author
 * (unless it is direct), a remote account it mentions, answers or boosts, and, for an edit or a
 * deletion, one that boosted, favourited or answered it. What deliver-status.ts sends to, or more;
 * without any, no push job is made (Mastodon's workers make the job and find no inbox).
 */
export async function hasRemoteAudience(ctx: AppContext, statusId: string, action: StatusDelivery['action']): Promise<boolean> {
  const [row] = await remoteAudienceQuery(ctx.db, action === 'create' ? 'create' : 'change').execute({ statusId });
  return row?.reached === true;
}

/** hasRemoteAudience's statement, built once per kind (a Create; an edit or deletion, which the status's interactions reach too). */
const remoteAudienceQuery = preparedVariants('remote_audience', (db, variant) => {
  const interactions =
    variant === 'create'
      ? sql``
      : sql`UNION ALL SELECT r.account_id FROM statuses r WHERE r.reblog_of_id = s.id OR r.in_reply_to_id = s.id
            UNION ALL SELECT fv.account_id FROM favourites fv WHERE fv.status_id = s.id`;
  return db
    .select({
      reached: sql<boolean>`EXISTS (
      SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id
      WHERE f.target_account_id = s.account_id AND s.visibility IN ${DISTRIBUTABLE}
        AND a.domain IS NOT NULL AND a.inbox_url IS NOT NULL AND a.suspended_at IS NULL
    ) OR EXISTS (
      SELECT 1 FROM accounts a
      WHERE a.domain IS NOT NULL AND a.inbox_url IS NOT NULL AND a.suspended_at IS NULL AND a.id <> s.account_id AND a.id IN (
        SELECT m.account_id FROM mentions m WHERE m.status_id = s.id AND s.reblog_of_id IS NULL
        UNION ALL SELECT s.in_reply_to_account_id WHERE s.visibility IN ${DISTRIBUTABLE}
        UNION ALL SELECT b.account_id FROM statuses b WHERE b.id = s.reblog_of_id
        ${interactions})
    )`,
    })
    .from(sql`statuses s`)
    .where(sql`s.id = ${sql.placeholder('statusId')}`);
});

/**
 * Queues the federation of an edit or a deletion of a status, when it is a local one that reaches
 * another server. A new status's Create (a boost's Announce) is queued by its Distribution job
 * instead (`deliverNewStatus`), so that the pending_distributions outbox covers it too.
 */
export async function deliverStatus(ctx: AppContext, status: Pick<StatusRow, 'id' | 'local'>, action: 'update' | 'delete'): Promise<void> {
  if (!status.local) return;
  await enqueueDelivery(ctx, `${action} ${status.id}`, async () => {
    if (await hasRemoteAudience(ctx, status.id, action)) await enqueue(ctx, DeliverStatus, { action, statusId: status.id });
  });
}

/**
 * The first step of a new status's Distribution job: queues its Create (a boost's Announce) for
 * other servers. The status's pending_distributions row (written with the status, deleted when the
 * fan-out is done) makes this durable: if the queue was away when the member posted, the scheduler
 * enqueues the Distribution job again, and with it this. A job that runs once the row is gone (a
 * duplicate) sends nothing. A failure to enqueue fails the job, which is retried. `known`: whether
 * that row is there and the status local, when the job has read it.
 */
export async function deliverNewStatus(ctx: AppContext, statusId: string, known?: { pending: boolean; local: boolean }): Promise<void> {
  const [pending] = known
    ? known.pending
      ? [known]
      : []
    : await ctx.db
        .select({ local: statuses.local })
        .from(pendingDistributions)
        .innerJoin(statuses, eq(statuses.id, pendingDistributions.statusId))
        .where(eq(pendingDistributions.statusId, statusId))
        .limit(1);
  if (!pending?.local || !(await hasRemoteAudience(ctx, statusId, 'create'))) return;
  await enqueue(ctx, DeliverStatus, { action: 'create', statusId }, { uniqueKey: `deliver-status:create:${statusId}` });
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
