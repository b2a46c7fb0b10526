import { Queue, type Job as BullJob } from 'bullmq';
import { closeRedis, REDIS_WAIT_MS, RedisUnavailableError, whenConnected, type Redis } from '../redis.ts';
import { WeightedWorker } from './bullmq-worker.ts';
import {
  QUEUE_NAMES,
  emptyQueueStats,
  isQueueName,
  sidekiqBackoff,
  type DeadJob,
  type EnqueueOptions,
  type Job,
  type JobHandler,
  type JobQueue,
  type NewJob,
  type QueueName,
  type QueueStats,
  type WorkOptions,
  type Worker,
} from './index.ts';

export interface BullmqJobQueueOptions {
  /** key prefix of every BullMQ key (default 'bull') */
  prefix?: string;
  /** delay in ms before retrying after failed attempt number `attempt` */
  backoff?: (attempt: number) => number;
  /** how long a worker's lock on a job lasts without renewal (BullMQ's default: 30 s) */
  lockDurationMs?: number;
  /** how often workers look for jobs whose worker died (BullMQ's default: 30 s) */
  stalledIntervalMs?: number;
  /** connection errors, reported while the workers wait for Redis to come back */
  onError?: (error: unknown) => void;
  /** how long enqueue waits for Redis before failing (default REDIS_WAIT_MS) */
  enqueueTimeoutMs?: number;
}

const BACKOFF_TYPE = 'subspace';

/** delayed jobs looked at to count the retries among them (a scrape must stay cheap) */
const RETRIES_LOOKED_AT = 1000;

/** The queues' Redis did not answer in time: requests answer 503, jobs are retried. */
export class QueueUnavailableError extends RedisUnavailableError {}

const unavailable = () => new QueueUnavailableError('the job queue (Redis) did not answer in time');

// BullMQ rejects custom ids that look like integers or contain ':'; encoding avoids both.
function uniqueJobId(uniqueKey: string): string {
  return `u_${encodeURIComponent(uniqueKey)}`;
}

function toJob(queue: QueueName, job: BullJob): Job {
  return { id: `${queue}:${job.id}`, queue, name: job.name, data: job.data, attempt: job.attemptsMade + 1 };
}

/**
 * The server queue on BullMQ. Jobs are removed when they complete; the failed set is the dead set.
 * It owns `connection` (made by createRedis), which all its queues and workers share; each
 * worker duplicates it for its blocking reads.
 */
export class BullmqJobQueue implements JobQueue {
  #connection: Redis;
  #prefix: string;
  #backoff: (attempt: number) => number;
  #lockDurationMs: number | undefined;
  #stalledIntervalMs: number | undefined;
  #onError: (error: unknown) => void;
  #enqueueTimeoutMs: number;
  #queues = new Map<QueueName, Queue>();
  #workers = new Set<WeightedWorker>();

  constructor(connection: Redis, options: BullmqJobQueueOptions = {}) {
    this.#connection = connection;
    this.#prefix = options.prefix ?? 'bull';
    this.#backoff = options.backoff ?? sidekiqBackoff;
    this.#lockDurationMs = options.lockDurationMs;
    this.#stalledIntervalMs = options.stalledIntervalMs;
    this.#onError = options.onError ?? (() => {});
    this.#enqueueTimeoutMs = options.enqueueTimeoutMs ?? REDIS_WAIT_MS;
  }

  #queue(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#connection, prefix: this.#prefix });
      queue.on('error', this.#onError);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Adds a job, waiting for Redis at most `enqueueTimeoutMs` (the connection would otherwise wait
   * forever). A job whose enqueue failed is not added later (see whenConnected).
   */
  async enqueue(queue: QueueName, name: string, data: unknown, options: EnqueueOptions = {}): Promise<void> {
    await whenConnected(this.#connection, this.#enqueueTimeoutMs, () => this.#add(queue, name, data, options), unavailable);
  }

  /** Adds the jobs with one addBulk per queue, all sent at once (waiting for Redis as enqueue does). */
  async enqueueMany(jobs: readonly NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await whenConnected(this.#connection, this.#enqueueTimeoutMs, () => this.#addMany(jobs), unavailable);
  }

  async #add(queue: QueueName, name: string, data: unknown, options: EnqueueOptions): Promise<void> {
    await this.#addMany([{ queue, name, data, options }]);
  }

  async #addMany(jobs: readonly NewJob[]): Promise<void> {
    const byQueue = new Map<QueueName, NewJob[]>();
    for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    await Promise.all(
      [...byQueue].map(async ([queue, queued]) => {
        const target = this.#queue(queue);
        const bulk = await Promise.all(
          queued.map(async ({ name, data, options = {} }) => {
            const jobId = options.uniqueKey === undefined ? undefined : uniqueJobId(options.uniqueKey);
            if (jobId) {
              // A dead job would keep its id taken forever; the new one supersedes it.
              const existing = await target.getJob(jobId);
              if (existing && (await existing.isFailed())) await existing.remove();
            }
            const opts = {
              jobId,
              delay: Math.max(0, options.delayMs ?? 0),
              attempts: options.attempts ?? 25,
              backoff: { type: BACKOFF_TYPE },
              removeOnComplete: true,
              removeOnFail: false,
            };
            return { name, data: data ?? null, opts };
          }),
        );
        if (bulk.length === 1) await target.add(bulk[0]!.name, bulk[0]!.data, bulk[0]!.opts);
        else await target.addBulk(bulk);
      }),
    );
  }

  /**
   * One limit of `concurrency` jobs for all of `queues`, the next job taken from the queues in
   * Sidekiq's weighted order (see WeightedWorker).
   */
  work(queues: QueueName[], handler: JobHandler, options: WorkOptions): Worker {
    const worker = new WeightedWorker(this.#connection, [...new Set(queues)], handler, {
      concurrency: Math.max(1, options.concurrency),
      prefix: this.#prefix,
      backoff: this.#backoff,
      lockDurationMs: this.#lockDurationMs,
      stalledIntervalMs: this.#stalledIntervalMs,
      onError: this.#onError,
    });
    this.#workers.add(worker);
    return {
      close: async () => {
        await worker.close();
        this.#workers.delete(worker);
      },
    };
  }

  async counts(): Promise<Record<QueueName, number>> {
    const entries = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const counts = await this.#queue(name).getJobCounts('waiting', 'delayed', 'prioritized', 'active');
        return [name, Object.values(counts).reduce((sum, count) => sum + count, 0)] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, number>;
  }

  async stats(): Promise<Record<QueueName, QueueStats>> {
    const stats = emptyQueueStats();
    await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.#queue(name);
        const [counts, [oldest], delayed] = await Promise.all([
          queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed'),
          queue.getJobs(['wait'], 0, 0, true),
          // a retry waits its backoff among the delayed jobs; only the first ones are looked at
          queue.getDelayed(0, RETRIES_LOOKED_AT - 1),
        ]);
        const readySince = oldest ? oldest.timestamp + (oldest.delay ?? 0) : undefined;
        stats[name] = {
          size: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0),
          retries: delayed.filter((job) => job.attemptsMade > 0).length,
          dead: counts.failed ?? 0,
          latencySeconds: readySince === undefined ? 0 : Math.max(0, (Date.now() - readySince) / 1000),
        };
      }),
    );
    return stats;
  }

  async deadJobs(queue?: QueueName): Promise<DeadJob[]> {
    const names = queue ? [queue] : [...QUEUE_NAMES];
    const perQueue = await Promise.all(
      names.map(async (name) => {
        const failed = await this.#queue(name).getFailed(0, -1);
        return failed.map((job) => ({
          ...toJob(name, job),
          attempt: job.attemptsMade,
          error: job.failedReason ?? '',
          failedAt: new Date(job.finishedOn ?? job.timestamp),
        }));
      }),
    );
    return perQueue.flat().sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime());
  }

  /** The dead job an id (`queue:jobId`) names, if it is dead. */
  async #deadJob(id: string) {
    const separator = id.indexOf(':');
    const queue = id.slice(0, separator);
    if (separator < 0 || !isQueueName(queue)) return undefined;
    const job = await this.#queue(queue).getJob(id.slice(separator + 1));
    return job && (await job.isFailed()) ? job : undefined;
  }

  async retryDead(id: string): Promise<boolean> {
    const job = await this.#deadJob(id);
    if (!job) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async deleteDead(id: string): Promise<boolean> {
    const job = await this.#deadJob(id);
    if (!job) return false;
    await job.remove();
    return true;
  }

  /** waits at most 2 s for a connection: a PING would otherwise sit queued for as long as Redis is away */
  async ping(): Promise<void> {
    await whenConnected(this.#connection, 2000, () => this.#connection.ping(), unavailable);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers].map((worker) => worker.close()));
    this.#workers.clear();
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
    await closeRedis(this.#connection);
  }
}
