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

/** A job to enqueue together with others, and how to enqueue it alone (with its own handling of failure). */
export interface JobRequest {
  job: JobDefinition<unknown>;
  data: unknown;
  options?: EnqueueOptions;
  alone: () => Promise<void>;
}

/** A request for `enqueueTogether`; `alone` enqueues it on its own, as its caller did before. */
export function jobRequest<TData>(job: JobDefinition<TData>, data: TData, options: EnqueueOptions, alone: () => Promise<void>): JobRequest {
  return { job: job as JobDefinition<unknown>, data, options, alone };
}

/**
 * Adds several jobs at once (one statement for the database queue). When the queue refuses them, each
 * is enqueued again on its own by its `alone`, which defers, logs or throws as that job's callers do;
 * a job with no uniqueKey may then be added twice.
 */
export async function enqueueTogether(ctx: EnqueueContext, requests: JobRequest[]): Promise<void> {
  if (requests.length <= 1) {
    for (const request of requests) await request.alone();
    return;
  }
  try {
    await ctx.queue.enqueueMany(requests.map(({ job, data, options }) => ({ queue: job.queue, name: job.name, data, options: { attempts: job.attempts, ...options } })));
  } catch {
    for (const request of requests) await request.alone();
  }
}
