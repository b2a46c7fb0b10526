import type { EnqueueOptions, JobQueue } from '../backends/queue/index.ts';
import type { Database } from '../db/index.ts';
import type { Logger } from '../lib/logger.ts';
import { deferJob, isDeferrable } from './deferred-jobs.ts';
import type { JobDefinition } from './definitions.ts';

/**
 * What enqueueing needs: the queue, and (an AppContext has them) the database and the log, with
 * which a delivery the queue cannot take is kept for later instead of being lost.
 */
export interface EnqueueContext {
  queue: JobQueue;
  db?: Database;
  log?: Logger;
}

/**
 * Adds a job to its queue. When the queue is unreachable, a federation delivery (a job of the `push`
 * queue) or feed upkeep (see deferred-jobs.ts) is written to the `deferred_jobs` table instead, which the scheduler
 * enqueues again once the queue is back: the member's action is answered normally and delivered
 * late rather than never. Any other job, or a delivery when the database fails too, throws.
 */
export async function enqueue<TData>(ctx: EnqueueContext, job: JobDefinition<TData>, data: TData, options: EnqueueOptions = {}): Promise<void> {
  const full: EnqueueOptions = { attempts: job.attempts, ...options };
  try {
    await ctx.queue.enqueue(job.queue, job.name, data, full);
  } catch (error) {
    if (!ctx.db || !isDeferrable(job)) throw error;
    try {
      await deferJob(ctx.db, job.queue, job.name, data, full);
    } catch (deferError) {
      ctx.log?.error({ err: deferError, job: job.name }, 'could not keep a job the queue refused for later');
      throw error;
    }
    ctx.log?.warn({ err: error, job: job.name }, 'the job queue is unreachable: the job is kept in deferred_jobs until it is back');
  }
}

/** A job and its data, as enqueueAll takes them. */
export interface QueuedJob<TData = unknown> {
  job: JobDefinition<TData>;
  data: TData;
  options?: EnqueueOptions;
}

/** A job for enqueueAll, typed by its definition. */
export function queued<TData>(job: JobDefinition<TData>, data: TData, options: EnqueueOptions = {}): QueuedJob {
  return { job, data, options } as QueuedJob;
}

/**
 * Adds several jobs in one call to the queue (one INSERT embedded, one addBulk per queue on BullMQ).
 * A failure throws and keeps nothing for later: the caller enqueues them one by one then, each the
 * way it would alone (some of the batch may have been added: only for jobs that may run twice, or
 * with a unique key).
 */
async function enqueueAll(ctx: EnqueueContext, jobs: readonly QueuedJob[]): Promise<void> {
  await ctx.queue.enqueueMany(jobs.map(({ job, data, options }) => ({ queue: job.queue, name: job.name, data, options: { attempts: job.attempts, ...options } })));
}

/** A job to enqueue together with others, and how to enqueue it alone (with its own handling of failure). */
export interface JobRequest extends QueuedJob {
  alone: () => Promise<void>;
}

/** A request for `enqueueTogether`; `alone` enqueues it on its own, as its caller did before. */
export function jobRequest<TData>(job: JobDefinition<TData>, data: TData, options: EnqueueOptions, alone: () => Promise<void>): JobRequest {
  return { ...queued(job, data, options), alone };
}

/**
 * enqueueAll, and when the queue refuses them, each enqueued again on its own by its `alone`, which
 * defers, logs or throws as that job's callers do; a job with no uniqueKey may then be added twice.
 */
export async function enqueueTogether(ctx: EnqueueContext, requests: readonly JobRequest[]): Promise<void> {
  if (requests.length <= 1) {
    for (const request of requests) await request.alone();
    return;
  }
  try {
    await enqueueAll(ctx, requests);
  } catch (error) {
    ctx.log?.warn({ err: error }, 'the queue refused jobs enqueued together: enqueueing them one by one');
    for (const request of requests) await request.alone();
  }
}
