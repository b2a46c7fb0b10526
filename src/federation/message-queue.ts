import type { Message, MessageQueue, MessageQueueEnqueueOptions } from '@fedify/fedify';
import type { JobQueue } from '../backends/queue/index.ts';
import type { JobDefinition } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';

/** What a queue lets through: the message to enqueue (possibly changed), or undefined to drop it. */
export type MessageFilter = (message: Message) => Promise<Message | undefined>;

/**
 * One of Fedify's task queues (inbox, outbox, fan-out) as a kind of job in the instance's durable
 * queue. Fedify only ever enqueues here: web and worker processes alike hand tasks to the queue, and
 * the workers serving its queue run them through the job runner (src/jobs/handlers.ts), with
 * the queue's retries and backoff — hence `nativeRetrial`. The queue has no ordering keys, so
 * Fedify's `orderingKey` is not honoured (Mastodon's Sidekiq queues give no such order either).
 * An optional `filter` sees every message first (the outbox's drops deliveries to unavailable domains).
 */
export class JobMessageQueue implements MessageQueue {
  readonly nativeRetrial = true;
  #queue: JobQueue;
  #job: JobDefinition<Message>;
  #filter: MessageFilter | undefined;

  constructor(queue: JobQueue, job: JobDefinition<Message>, filter?: MessageFilter) {
    this.#queue = queue;
    this.#job = job;
    this.#filter = filter;
  }

  async enqueue(message: Message, options?: MessageQueueEnqueueOptions): Promise<void> {
    const kept = this.#filter ? await this.#filter(message) : message;
    if (!kept) return;
    const delayMs = options?.delay === undefined ? 0 : Math.max(0, Math.round(options.delay.total('millisecond')));
    await enqueue({ queue: this.#queue }, this.#job, kept, delayMs > 0 ? { delayMs } : {});
  }

  listen(): Promise<void> {
    return Promise.reject(new Error(`Fedify's ${this.#job.name} tasks run in the job workers, not through MessageQueue.listen()`));
  }
}
