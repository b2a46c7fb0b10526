import { eq, sql } from 'drizzle-orm';
import { isQueueName, type EnqueueOptions, type QueueName } from '../backends/queue/index.ts';
import type { AppContext } from '../context.ts';
import { queryRows, type Database } from '../db/index.ts';
import { deferredJobs } from '../db/schema.ts';
import { FeedRemoval, FeedUnmerge, type JobDefinition } from './definitions.ts';

/**
 * The outbox of federation deliveries: when the job queue (Redis) is unreachable as a member acts,
 * the delivery job is written here, in the database that has just stored the action, and the
 * scheduler (Scheduler::DeferredJobsScheduler, every minute) enqueues it again once the queue is
 * back, deleting the row. The same idea as pending_distributions, for any job of the `push` queue:
 * the instance's own delivery jobs (DeliverStatus, DeliverInteraction, DeliverRelationship,
 * DistributeActorUpdate…) and Fedify's outbox and fan-out tasks (without their private keys,
 * see src/federation/message-queue.ts), and the feed upkeep queued before some of them. Other jobs
 * are not deferred: a new status's fan-out has its own outbox (pending_distributions), an inbound
 * activity is refused so that its sender tries again, and the rest fail as before.
 *
 * A deferred job is enqueued at least once: a sweep that dies between enqueueing a job and deleting
 * its row leaves the row to the next sweep (after its lock expires), which enqueues it again.
 */

/** The queues whose jobs are kept for later when the queue cannot take them. */
const DEFERRABLE_QUEUES: ReadonlySet<QueueName> = new Set(['push']);

/**
 * Other jobs kept for later: the feed upkeep that unfollowing, blocking, deleting and unboosting
 * queue before their deliveries (muting too). Were they to throw, the request would fail after its
 * action was stored, and the delivery queued after them would not be made at all. (A follow's
 * FeedMerge is not: a follow of a remote account queues none, and a local follow has no delivery.)
 */
const DEFERRABLE_JOBS: ReadonlySet<string> = new Set([FeedUnmerge.name, FeedRemoval.name]);

/** How long a sweep holds the rows it is enqueueing; a sweep that died releases them after this. */
const LOCK_SECONDS = 300;

/** Rows taken per round of a sweep. */
const BATCH = 500;

export function isDeferrable(job: Pick<JobDefinition<unknown>, 'queue' | 'name'>): boolean {
  return DEFERRABLE_QUEUES.has(job.queue) || DEFERRABLE_JOBS.has(job.name);
}

/** Keeps a job the queue refused; its delay counts from now, as it would have in the queue. */
export async function deferJob(db: Database, queue: QueueName, name: string, data: unknown, options: EnqueueOptions = {}): Promise<void> {
  const { delayMs, ...rest } = options;
  const kept = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  await db.insert(deferredJobs).values({
    queue,
    name,
    data: data ?? null,
    options: kept,
    runAt: new Date(Date.now() + Math.max(0, delayMs ?? 0)),
  });
}

interface ClaimedRow {
  id: string;
  queue: string;
  name: string;
  data: unknown;
  options: EnqueueOptions | null;
  run_at_ms: number;
}

/** Takes up to `limit` rows no other sweep holds, locking them for LOCK_SECONDS; oldest first. */
async function claim(ctx: AppContext, limit: number): Promise<ClaimedRow[]> {
  const rows = await queryRows<ClaimedRow>(
    ctx.db,
    sql`UPDATE deferred_jobs SET locked_until = now() + make_interval(secs => ${LOCK_SECONDS})
         WHERE id IN (SELECT id FROM deferred_jobs WHERE locked_until IS NULL OR locked_until < now()
                       ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
     RETURNING id::text AS id, queue, name, data, options, (extract(epoch FROM run_at) * 1000)::float8 AS run_at_ms`,
  );
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

async function release(ctx: AppContext, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await ctx.db.execute(
    sql`UPDATE deferred_jobs SET locked_until = NULL WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}::bigint`),
      sql`, `,
    )})`,
  );
}

/**
 * The scheduler's sweep: enqueues the deferred jobs, oldest first, deleting each row once its job is
 * in the queue (a delayed job keeps what is left of its delay). It stops at the first job the queue
 * still refuses, leaving that one and the rest for the next sweep. Returns how many were enqueued.
 */
export async function enqueueDeferredJobs(ctx: AppContext, batch = BATCH): Promise<number> {
  let enqueued = 0;
  for (;;) {
    const rows = await claim(ctx, batch);
    for (const [index, row] of rows.entries()) {
      if (!isQueueName(row.queue)) {
        ctx.log.error({ queue: row.queue, job: row.name }, 'dropping a deferred job for an unknown queue');
        await ctx.db.delete(deferredJobs).where(eq(deferredJobs.id, BigInt(row.id)));
        continue;
      }
      try {
        await ctx.queue.enqueue(row.queue, row.name, row.data, { ...row.options, delayMs: Math.max(0, Math.round(row.run_at_ms - Date.now())) });
      } catch (error) {
        ctx.log.warn({ err: error, left: rows.length - index }, 'the job queue is still unreachable: deferred jobs wait for the next sweep');
        await release(
          ctx,
          rows.slice(index).map((left) => left.id),
        );
        return enqueued;
      }
      await ctx.db.delete(deferredJobs).where(eq(deferredJobs.id, BigInt(row.id)));
      enqueued++;
    }
    if (rows.length < batch) return enqueued;
  }
}

/** How many jobs wait in deferred_jobs (for tests and health reports). */
export async function countDeferredJobs(ctx: Pick<AppContext, 'db'>): Promise<number> {
  const [row] = await queryRows<{ count: number }>(ctx.db, sql`SELECT count(*)::int AS count FROM deferred_jobs`);
  return row?.count ?? 0;
}
