import { eq, lt, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { pendingDistributions } from '../../db/schema.ts';
import type { Database } from '../../db/index.ts';
import { Distribution } from '../../jobs/definitions.ts';
import { enqueue, jobRequest, queued, type JobRequest, type QueuedJob } from '../../jobs/enqueue.ts';

/** A pending distribution older than this is taken for lost and enqueued again. */
export const STALE_AFTER_SECONDS = 60;

/** Records, in the transaction that writes a new status, that it still has to be distributed. */
export async function recordPendingDistribution(tx: Pick<Database, 'insert'>, statusId: string): Promise<void> {
  await tx.insert(pendingDistributions).values({ statusId }).onConflictDoNothing();
}

/** The fan-out job of a new status (one at a time per status). */
export function distributionJob(statusId: string): QueuedJob {
  return queued(Distribution, { statusId }, { uniqueKey: `distribution:${statusId}` });
}

/**
 * Enqueues the fan-out of a new status. A failure is logged, not thrown: the status is stored and
 * its pending row makes the scheduler enqueue it again, so the client's post is not refused.
 */
export async function enqueueDistribution(ctx: AppContext, statusId: string): Promise<void> {
  await distributionRequest(ctx, statusId).alone();
}

/** The fan-out of a new status, to be enqueued with other jobs (enqueueTogether); alone, as enqueueDistribution. */
export function distributionRequest(ctx: AppContext, statusId: string): JobRequest {
  const { job, data, options } = distributionJob(statusId);
  return jobRequest(job, data, options ?? {}, async () => {
    try {
      await enqueue(ctx, job, data, options);
    } catch (error) {
      ctx.log.warn({ err: error, statusId }, 'could not enqueue a fan-out; the scheduler will retry it');
    }
  });
}

export async function completeDistribution(ctx: AppContext, statusId: string): Promise<void> {
  await ctx.db.delete(pendingDistributions).where(eq(pendingDistributions.statusId, statusId));
}

/** The scheduler's sweep: enqueues again every distribution left pending for too long. Returns how many. */
export async function redistributeStale(ctx: AppContext, olderThanSeconds = STALE_AFTER_SECONDS): Promise<number> {
  // a status whose fan-out has failed for a day is not retried for ever
  const abandoned = await ctx.db.delete(pendingDistributions).where(lt(pendingDistributions.createdAt, sql`now() - interval '1 day'`)).returning({ statusId: pendingDistributions.statusId });
  for (const { statusId } of abandoned) ctx.log.error({ statusId }, 'gave up distributing a status after a day of failures');
  const stale = await ctx.db
    .select({ statusId: pendingDistributions.statusId })
    .from(pendingDistributions)
    .where(lt(pendingDistributions.createdAt, sql`now() - make_interval(secs => ${olderThanSeconds})`))
    .limit(1000);
  for (const { statusId } of stale) {
    const { job, data, options } = distributionJob(statusId);
    await enqueue(ctx, job, data, options);
  }
  return stale.length;
}
