import type { JobQueue } from '../../src/backends/queue/index.ts';

type Enqueue = JobQueue['enqueue'];

/**
 * Routes every job added to `queue` through `intercept` (which gets the original enqueue to add it,
 * or throws, or keeps it back): enqueue's, and enqueueMany's one by one (a batch fails at its first
 * refused job). Returns the function that puts the queue back as it was.
 */
export function interceptEnqueue(queue: JobQueue, intercept: (original: Enqueue, ...args: Parameters<Enqueue>) => Promise<void>): () => void {
  const enqueue = queue.enqueue;
  const enqueueMany = queue.enqueueMany;
  const original: Enqueue = enqueue.bind(queue);
  queue.enqueue = (...args) => intercept(original, ...args);
  queue.enqueueMany = async (jobs) => {
    for (const job of jobs) await intercept(original, job.queue, job.name, job.data, job.options);
  };
  return () => {
    queue.enqueue = enqueue;
    queue.enqueueMany = enqueueMany;
  };
}
