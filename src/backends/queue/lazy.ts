import type { DeadJob, EnqueueOptions, JobHandler, JobQueue, NewJob, QueueName, QueueStats, WorkOptions, Worker } from './index.ts';

/**
 * A job queue whose driver (and its connection) is made by the first call: BullMQ is ~170 modules
 * and a Redis connection, which a process that never enqueues nor works (the streaming role) needs
 * neither of.
 */
export class LazyJobQueue implements JobQueue {
  #open: () => Promise<JobQueue>;
  #queue: Promise<JobQueue> | undefined;

  constructor(open: () => Promise<JobQueue>) {
    this.#open = open;
  }

  #get(): Promise<JobQueue> {
    this.#queue ??= this.#open();
    return this.#queue;
  }

  async enqueue(queue: QueueName, name: string, data: unknown, options?: EnqueueOptions): Promise<void> {
    await (await this.#get()).enqueue(queue, name, data, options);
  }

  async enqueueMany(jobs: readonly NewJob[]): Promise<void> {
    await (await this.#get()).enqueueMany(jobs);
  }

  work(queues: QueueName[], handler: JobHandler, options: WorkOptions): Worker {
    // a driver that cannot be loaded fails the process, as it would have at start
    const worker = this.#get().then((queue) => queue.work(queues, handler, options));
    return { close: async () => (await worker).close() };
  }

  async counts(): Promise<Record<QueueName, number>> {
    return (await this.#get()).counts();
  }

  async stats(): Promise<Record<QueueName, QueueStats>> {
    return (await this.#get()).stats();
  }

  async deadJobs(queue?: QueueName): Promise<DeadJob[]> {
    return (await this.#get()).deadJobs(queue);
  }

  async retryDead(id: string): Promise<boolean> {
    return (await this.#get()).retryDead(id);
  }

  async deleteDead(id: string): Promise<boolean> {
    return (await this.#get()).deleteDead(id);
  }

  async ping(): Promise<void> {
    await (await this.#get()).ping();
  }

  async close(): Promise<void> {
    if (this.#queue) await (await this.#queue).close();
  }
}
