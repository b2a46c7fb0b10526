import type { EnqueueOptions, JobQueue } from '../backends/queue/index.ts';
import type { JobDefinition } from './definitions.ts';

export function enqueue<TData>(ctx: { queue: JobQueue }, job: JobDefinition<TData>, data: TData, options: EnqueueOptions = {}) {
  return ctx.queue.enqueue(job.queue, job.name, data, { attempts: job.attempts, ...options });
}
