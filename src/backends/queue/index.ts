/** Mastodon's Sidekiq queues, highest weight first. */
export const QUEUE_NAMES = ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(value: string): value is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(value);
}

/** Mastodon's Sidekiq weights (config/sidekiq.yml); queues listed there without one count 1. */
export const QUEUE_WEIGHTS: Record<QueueName, number> = { default: 8, push: 6, ingress: 4, mailers: 2, pull: 1, scheduler: 1 };

/**
 * The order in which a worker looks at its queues for its next job, as Sidekiq's weighted fetch
 * does (each queue repeated `weight` times, shuffled, duplicates dropped): the first queue is
 * `default` with probability 8/(sum of the weights), and so on. The first queue that has a job wins.
 */
export function weightedQueueOrder(queues: readonly QueueName[], random: () => number = Math.random): QueueName[] {
  const left = [...new Set(queues)];
  const order: QueueName[] = [];
  while (left.length > 0) {
    let pick = random() * left.reduce((sum, queue) => sum + QUEUE_WEIGHTS[queue], 0);
    let index = 0;
    while (index < left.length - 1 && (pick -= QUEUE_WEIGHTS[left[index]!]) >= 0) index++;
    order.push(...left.splice(index, 1));
  }
  return order;
}

export interface EnqueueOptions {
  /** run no earlier than this many milliseconds from now */
  delayMs?: number;
  /** total tries before the job moves to the dead set (Sidekiq's default retry count is 25) */
  attempts?: number;
  /** while a job with this key is pending, enqueueing another with the same key does nothing */
  uniqueKey?: string;
}

/** A job to add, as enqueueMany takes them. */
export interface NewJob {
  queue: QueueName;
  name: string;
  data: unknown;
  options?: EnqueueOptions;
}

export interface Job {
  id: string;
  queue: QueueName;
  name: string;
  data: unknown;
  /** 1 on the first try */
  attempt: number;
}

export interface DeadJob extends Job {
  error: string;
  failedAt: Date;
}

/** One queue's figures, as Sidekiq's web UI and exporter show them. */
export interface QueueStats {
  /** jobs waiting, scheduled or running (not dead) */
  size: number;
  /** jobs that failed and wait for their next try (Sidekiq's retry set) */
  retries: number;
  /** jobs out of attempts (Sidekiq's dead set) */
  dead: number;
  /** how long the oldest job ready to run has waited, in seconds (Sidekiq's queue latency) */
  latencySeconds: number;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface WorkOptions {
  /** jobs run at once, shared by all the worker's queues */
  concurrency: number;
}

export interface Worker {
  /** stops taking jobs and waits for the running ones */
  close(): Promise<void>;
}

/**
 * Durable background jobs: a table in the database (embedded) or BullMQ on Redis (server).
 * A job is removed only after its handler finishes; a failed one is retried with exponential
 * backoff and, once out of attempts, kept in the dead set.
 */
export interface JobQueue {
  enqueue(queue: QueueName, name: string, data: unknown, options?: EnqueueOptions): Promise<void>;
  /** adds several jobs at once (one statement, or one Redis round trip); a failure may leave some of them added */
  enqueueMany(jobs: readonly NewJob[]): Promise<void>;
  work(queues: QueueName[], handler: JobHandler, options: WorkOptions): Worker;
  /** jobs waiting or delayed (not dead), per queue */
  counts(): Promise<Record<QueueName, number>>;
  /** each queue's size, retries, dead jobs and latency (for the metrics) */
  stats(): Promise<Record<QueueName, QueueStats>>;
  deadJobs(queue?: QueueName): Promise<DeadJob[]>;
  /** moves a dead job back to its queue */
  retryDead(id: string): Promise<boolean>;
  /** removes a dead job for good (Sidekiq's "delete" in its dead set); false if there is no such dead job */
  deleteDead(id: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The delay before retry number `attempt` (1-based), in ms: Sidekiq's `count**4 + 15 + rand(10)*(count+1)` seconds. */
export function sidekiqBackoff(attempt: number): number {
  const count = attempt - 1;
  return (count ** 4 + 15 + Math.floor(Math.random() * 10) * (count + 1)) * 1000;
}

/** Every queue with empty figures, for a driver to fill in. */
export function emptyQueueStats(): Record<QueueName, QueueStats> {
  return Object.fromEntries(QUEUE_NAMES.map((name) => [name, { size: 0, retries: 0, dead: 0, latencySeconds: 0 }])) as Record<QueueName, QueueStats>;
}
