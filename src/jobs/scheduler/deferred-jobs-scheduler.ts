import type { AppContext } from '../../context.ts';
import { enqueueDeferredJobs } from '../deferred-jobs.ts';

/** Scheduler::DeferredJobsScheduler: deliveries the queue could not take when they were made are enqueued now. */
export async function enqueueDeferred(ctx: AppContext) {
  const count = await enqueueDeferredJobs(ctx);
  if (count > 0) ctx.log.warn({ count }, 'enqueued deferred jobs');
}
