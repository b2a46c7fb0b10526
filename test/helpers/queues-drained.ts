import { QUEUE_NAMES, type QueueName } from '../../src/backends/queue/index.ts';
import type { AppContext } from '../../src/context.ts';
import { until } from './until.ts';

/**
 * Waits until the given queues hold no waiting, delayed or running job, so that whatever they
 * would have done is done: a test proving that something did not happen (no delivery, no change)
 * waits for this, never for a fixed time that a slow machine may not honour. The pull queue is
 * left out by default: link crawls wait there, spread over a minute.
 */
export async function queuesDrained(instance: { ctx: AppContext }, queues: readonly QueueName[] = ['default', 'push', 'ingress'], timeoutMs = 30_000): Promise<void> {
  await until(
    async () => {
      const counts = await instance.ctx.queue.counts();
      return queues.every((queue) => counts[queue] === 0);
    },
    `the ${queues.join(', ')} queues to drain`,
    timeoutMs,
  );
}

/** Waits until every queue, the pull queue's link crawls and the scheduler's own jobs included, is empty. */
export const everyQueueDrained = (instance: { ctx: AppContext }) => queuesDrained(instance, QUEUE_NAMES);
