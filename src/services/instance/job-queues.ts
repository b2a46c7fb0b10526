import type { AppContext } from '../../context.ts';
import { QUEUE_NAMES, type DeadJob, type QueueName } from '../../backends/queue/index.ts';
import { notFound } from '../../lib/errors.ts';

/** What the Sidekiq web UI shows an operator: jobs waiting per queue, and the dead set. */
export interface QueueOverview {
  queues: { name: QueueName; waiting: number; dead: number }[];
  dead: DeadJob[];
}

export async function queueOverview(ctx: AppContext): Promise<QueueOverview> {
  const [counts, dead] = await Promise.all([ctx.queue.counts(), ctx.queue.deadJobs()]);
  return {
    queues: QUEUE_NAMES.map((name) => ({ name, waiting: counts[name], dead: dead.filter((job) => job.queue === name).length })),
    dead,
  };
}

/** Puts a dead job back on its queue; 404 when there is no such dead job. */
export async function retryDeadJob(ctx: AppContext, id: string): Promise<void> {
  if (!(await ctx.queue.retryDead(id))) throw notFound();
}

/** Drops a dead job for good; 404 when there is no such dead job. */
export async function deleteDeadJob(ctx: AppContext, id: string): Promise<void> {
  if (!(await ctx.queue.deleteDead(id))) throw notFound();
}
