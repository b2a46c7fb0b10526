import { Worker as BullWorker, type Job as BullJob } from 'bullmq';
import type { Redis } from '../redis.ts';
import { weightedQueueOrder, type Job, type JobHandler, type QueueName } from './index.ts';

export interface WeightedWorkerOptions {
  concurrency: number;
  prefix: string;
  backoff: (attempt: number) => number;
  lockDurationMs: number | undefined;
  stalledIntervalMs: number | undefined;
  onError: (error: unknown) => void;
}

/** An idle worker looks at its queues at least this often, even without a marker (BullMQ's drainDelay). */
const MAX_BLOCK_MS = 5000;
/** after a failed fetch (Redis away), the next try */
const RETRY_DELAY_MS = 2000;
/** how long closing waits for an unreachable Redis to take a fetch or an acknowledgement */
const CLOSE_GRACE_MS = 5000;

/** true when `work` settles within `ms` */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connection of its own for BZPOPMIN, which blocks it. */
function blockingClient(connection: Redis): Redis {
  const client = connection.duplicate();
  client.on('error', () => {});
  return client;
}

function toJob(queue: QueueName, job: BullJob): Job {
  return { id: `${queue}:${job.id}`, queue, name: job.name, data: job.data, attempt: job.attemptsMade + 1 };
}

/**
 * A BullMQ worker whose jobs are fetched by WeightedWorker (BullMQ's "manual fetching": it is
 * never run) but processed, acknowledged and kept locked by BullMQ's own code.
 */
class FetchedWorker extends BullWorker {
  /** BullMQ starts lock renewal only from run(). */
  startLockRenewal(): void {
    this.lockManager.start();
  }
}

/**
 * Several BullMQ queues worked as Sidekiq works its queues: one concurrency limit for all, and
 * each free slot takes the next job from the first queue, in a weighted random order
 * (weightedQueueOrder), that has one. Each queue keeps a BullMQ Worker for the rest: locks renewed
 * while a job runs, stalled jobs (whose worker died) put back, a job acknowledged only once its
 * handler finished, retries with backoff. An idle worker blocks on the queues' BullMQ markers,
 * which are set when a job is added or a delayed one becomes due.
 */
export class WeightedWorker {
  #connection: Redis;
  #blocking: Redis;
  #workers = new Map<QueueName, FetchedWorker>();
  #concurrency: number;
  #onError: (error: unknown) => void;
  /** jobs taken and not yet acknowledged */
  #running = new Set<Promise<void>>();
  /** handlers running */
  #handling = new Set<Promise<void>>();
  #closed = false;
  #wake: (() => void) | undefined;
  /** when the earliest delayed job we heard of falls due (epoch ms), or 0 */
  #delayedUntil = 0;
  #tokens = 0;
  #loop: Promise<void>;

  constructor(connection: Redis, queues: QueueName[], handler: JobHandler, options: WeightedWorkerOptions) {
    this.#connection = connection;
    this.#blocking = blockingClient(connection);
    this.#concurrency = options.concurrency;
    this.#onError = options.onError;
    for (const queue of queues) {
      const worker = new FetchedWorker(
        queue,
        async (job: BullJob) => {
          const handling = handler(toJob(queue, job));
          this.#handling.add(handling);
          try {
            await handling;
          } catch (error) {
            throw error instanceof Error ? error : new Error(String(error));
          } finally {
            this.#handling.delete(handling);
          }
        },
        {
          connection,
          prefix: options.prefix,
          autorun: false,
          runRetryDelay: RETRY_DELAY_MS,
          // a job whose worker died is run again this many times before it counts as failed (BullMQ's default is 1)
          maxStalledCount: 10,
          ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
          ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
          settings: { backoffStrategy: (attemptsMade: number) => Math.max(0, options.backoff(attemptsMade)) },
        },
      );
      worker.on('error', this.#onError);
      worker.startLockRenewal();
      void worker.startStalledCheckTimer();
      this.#workers.set(queue, worker);
    }
    this.#loop = this.#run();
  }

  /**
   * Stops taking jobs and waits for the running handlers to finish and their jobs to be
   * acknowledged. A fetch or an acknowledgement still waiting for an unreachable Redis after
   * CLOSE_GRACE_MS is given up: its job stays locked until the lock expires, then runs again.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#blocking.disconnect();
    const stopped = await settlesWithin(this.#loop, CLOSE_GRACE_MS);
    await Promise.allSettled(this.#handling);
    const acknowledged = await settlesWithin(Promise.allSettled(this.#running), CLOSE_GRACE_MS);
    await Promise.all([...this.#workers.values()].map((worker) => worker.close(!stopped || !acknowledged)));
  }

  async #run(): Promise<void> {
    if (this.#workers.size === 0) return;
    while (!this.#closed) {
      if (this.#running.size >= this.#concurrency) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      try {
        if (await this.#fetchOne()) continue;
        await this.#waitForJobs();
      } catch (error) {
        if (this.#closed) break;
        this.#onError(error);
        await this.#sleep(RETRY_DELAY_MS);
      }
    }
  }

  /** Takes one job, if any queue has one, and starts it. */
  async #fetchOne(): Promise<boolean> {
    for (const queue of weightedQueueOrder([...this.#workers.keys()])) {
      const worker = this.#workers.get(queue)!;
      const token = `${worker.id}:${this.#tokens++}`;
      const job = await worker.getNextJob(token, { block: false });
      if (!job) continue;
      // Started even when closing: the job is ours now, and close() waits for it.
      const run = worker
        .processJob(job, token, () => false)
        .then(() => undefined, this.#onError)
        .finally(() => {
          this.#running.delete(run);
          this.#wake?.();
        });
      this.#running.add(run);
      return true;
    }
    return false;
  }

  /**
   * Blocks until a queue's marker says a job was added (score 0) or a delayed one is due (its
   * timestamp), until the earliest known delayed job is due, or MAX_BLOCK_MS.
   */
  async #waitForJobs(): Promise<void> {
    const now = Date.now();
    if (this.#delayedUntil && this.#delayedUntil <= now) {
      this.#delayedUntil = 0;
      return;
    }
    const timeoutMs = Math.max(1, Math.min(MAX_BLOCK_MS, this.#delayedUntil ? this.#delayedUntil - now : MAX_BLOCK_MS));
    const markers = [...this.#workers.values()].map((worker) => worker.keys.marker!);
    const client = this.#blocking;
    const popped = client.bzpopmin(...markers, (timeoutMs / 1000).toFixed(3));
    popped.catch(() => {});
    // ioredis resends a blocking command after a reconnection, which may then never answer: a
    // watchdog abandons it and starts over on a fresh connection (as BullMQ's own workers do).
    let watchdog: NodeJS.Timeout | undefined;
    const abandoned = new Promise<'abandoned'>((resolve) => (watchdog = setTimeout(() => resolve('abandoned'), timeoutMs + 2000)));
    try {
      const result = await Promise.race([popped, abandoned]);
      if (result === 'abandoned') {
        if (!this.#closed) this.#replaceBlockingClient(client);
        return;
      }
      const score = result ? Number(result[2]) : 0;
      if (score > Date.now() && (!this.#delayedUntil || score < this.#delayedUntil)) this.#delayedUntil = score;
    } finally {
      clearTimeout(watchdog);
    }
  }

  #replaceBlockingClient(stuck: Redis): void {
    stuck.disconnect();
    if (this.#blocking === stuck) this.#blocking = blockingClient(this.#connection);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
