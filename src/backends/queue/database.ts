import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../../db/index.ts';
import {
  QUEUE_NAMES,
  emptyQueueStats,
  isQueueName,
  sidekiqBackoff,
  weightedQueueOrder,
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

export interface DatabaseJobQueueOptions {
  /** delay in ms before retrying after failed attempt number `attempt` */
  backoff?: (attempt: number) => number;
  /** how often an idle worker looks for jobs (jittered by ±30%) */
  pollIntervalMs?: number;
  /** how often a worker refreshes the lock of the jobs it runs */
  heartbeatIntervalMs?: number;
  /** a running job whose lock is older than this belongs to a dead worker and is queued again */
  lockTimeoutMs?: number;
  /** errors the workers cannot hand to anyone (the database going away) */
  onError?: (error: unknown) => void;
}

interface Settings {
  backoff: (attempt: number) => number;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  lockTimeoutMs: number;
  onError: (error: unknown) => void;
}

interface JobRow {
  id: string;
  queue: QueueName;
  name: string;
  data: unknown;
  attempts: number;
}

interface Claimed {
  job: Job;
  /** a failure now sends the job to the dead set */
  lastAttempt: boolean;
}

const ms = (value: number): SQL => sql`(${value}::double precision * interval '1 millisecond')`;
const list = (values: readonly string[]): SQL =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );
const ids = (values: readonly string[]): SQL =>
  sql.join(
    values.map((value) => sql`${value}::bigint`),
    sql`, `,
  );

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The embedded queue: jobs are rows of the `jobs` table, claimed with FOR UPDATE SKIP LOCKED so
 * that any number of workers, in any number of processes, can share it. A worker's concurrency is
 * shared by its queues, and it picks the next queue by Sidekiq's weights. A finished job is deleted;
 * a failed one goes back to 'queued' with a later run_at, or to 'dead' once out of attempts (its
 * run_at then records when it died).
 */
export class DatabaseJobQueue implements JobQueue {
  #db: Database;
  #settings: Settings;
  #workers = new Set<DatabaseWorker>();

  constructor(db: Database, options: DatabaseJobQueueOptions = {}) {
    this.#db = db;
    this.#settings = {
      backoff: options.backoff ?? sidekiqBackoff,
      pollIntervalMs: options.pollIntervalMs ?? 350,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000,
      lockTimeoutMs: options.lockTimeoutMs ?? 60_000,
      onError: options.onError ?? (() => {}),
    };
  }

  async enqueue(queue: QueueName, name: string, data: unknown, options: EnqueueOptions = {}): Promise<void> {
    await this.#insert([{ queue, name, data, options }]);
  }

  async enqueueMany(jobs: readonly NewJob[]): Promise<void> {
    await this.#insert(jobs);
  }

  /** One INSERT for all of them; a job whose unique key is pending already is not added. */
  async #insert(jobs: readonly NewJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const rows = jobs.map(({ queue, name, data, options = {} }) => {
      const delayMs = Math.max(0, options.delayMs ?? 0);
      return sql`(${queue}, ${name}, ${JSON.stringify(data ?? null)}::jsonb, ${options.attempts ?? 25}, now() + ${ms(delayMs)}, ${options.uniqueKey ?? null})`;
    });
    await this.#db.execute(sql`
      INSERT INTO jobs (queue, name, data, max_attempts, run_at, unique_key)
      VALUES ${sql.join(rows, sql`, `)}
      ON CONFLICT (unique_key) WHERE state <> 'dead' DO NOTHING`);
    for (const { queue, options } of jobs) if (Math.max(0, options?.delayMs ?? 0) === 0) this.#announce(queue);
  }

  /** A job is due on `queue`: one worker of this process that takes it is told, one with a free slot if any. */
  #announce(queue: QueueName): void {
    const serving = [...this.#workers].filter((worker) => worker.serves(queue));
    (serving.find((worker) => worker.hasFreeSlot()) ?? serving[0])?.wake(queue);
  }

  work(queues: QueueName[], handler: JobHandler, options: WorkOptions): Worker {
    const worker = new DatabaseWorker(this.#db, this.#settings, queues, handler, Math.max(1, options.concurrency));
    this.#workers.add(worker);
    return {
      close: async () => {
        await worker.close();
        this.#workers.delete(worker);
      },
    };
  }

  async counts(): Promise<Record<QueueName, number>> {
    const rows = await queryRows<{ queue: string; count: number }>(this.#db, sql`SELECT queue, count(*)::int AS count FROM jobs WHERE state <> 'dead' GROUP BY queue`);
    const counts = Object.fromEntries(QUEUE_NAMES.map((name) => [name, 0])) as Record<QueueName, number>;
    for (const row of rows) if (row.queue in counts) counts[row.queue as QueueName] = Number(row.count);
    return counts;
  }

  async stats(): Promise<Record<QueueName, QueueStats>> {
    const rows = await queryRows<{ queue: string; size: number; retries: number; dead: number; latency: number | string }>(
      this.#db,
      sql`
      SELECT queue,
             count(*) FILTER (WHERE state <> 'dead')::int AS size,
             count(*) FILTER (WHERE state = 'queued' AND attempts > 0)::int AS retries,
             count(*) FILTER (WHERE state = 'dead')::int AS dead,
             coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'queued' AND run_at <= now())), 0)::double precision AS latency
      FROM jobs GROUP BY queue`,
    );
    const stats = emptyQueueStats();
    for (const row of rows) {
      if (!isQueueName(row.queue)) continue;
      stats[row.queue] = { size: Number(row.size), retries: Number(row.retries), dead: Number(row.dead), latencySeconds: Number(row.latency) };
    }
    return stats;
  }

  async deadJobs(queue?: QueueName): Promise<DeadJob[]> {
    const rows = await queryRows<JobRow & { last_error: string | null; failed_at: number }>(
      this.#db,
      sql`
      SELECT id::text AS id, queue, name, data, attempts, last_error,
             (extract(epoch FROM run_at) * 1000)::double precision AS failed_at
      FROM jobs WHERE state = 'dead' ${queue ? sql`AND queue = ${queue}` : sql``}
      ORDER BY run_at DESC, id DESC`,
    );
    return rows.map((row) => ({
      id: row.id,
      queue: row.queue,
      name: row.name,
      data: row.data,
      attempt: Number(row.attempts),
      error: row.last_error ?? '',
      failedAt: new Date(Number(row.failed_at)),
    }));
  }

  async deleteDead(id: string): Promise<boolean> {
    if (!/^\d+$/.test(id)) return false;
    const deleted = await queryRows(this.#db, sql`DELETE FROM jobs WHERE id = ${id}::bigint AND state = 'dead' RETURNING id`);
    return deleted.length > 0;
  }

  async retryDead(id: string): Promise<boolean> {
    if (!/^\d+$/.test(id)) return false;
    const retried = await queryRows<{ queue: QueueName }>(
      this.#db,
      sql`
      UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), last_error = NULL
      WHERE id = ${id}::bigint AND state = 'dead'
        AND (unique_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM jobs pending WHERE pending.unique_key = jobs.unique_key AND pending.state <> 'dead'))
      RETURNING queue`,
    );
    const queue = retried[0]?.queue;
    if (queue) {
      this.#announce(queue);
      return true;
    }
    // The same unique job is already pending again: that one stands in for the retry.
    const superseded = await queryRows(
      this.#db,
      sql`
      DELETE FROM jobs WHERE id = ${id}::bigint AND state = 'dead' AND unique_key IS NOT NULL RETURNING id`,
    );
    return superseded.length > 0;
  }

  /**
   * Queues again every job marked running, at once. Only for a process that knows it is the only
   * one using the database (the embedded mode): the jobs of a process that was killed do not
   * have to wait for their locks to time out.
   */
  async recoverAll(): Promise<number> {
    return requeueLost(this.#db, sql`TRUE`);
  }

  async ping(): Promise<void> {
    await this.#db.execute(sql`SELECT 1`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#workers].map((worker) => worker.close()));
    this.#workers.clear();
  }
}

/** Running jobs matching `where` go back to the queue, or to the dead set when they were on their last attempt. */
async function requeueLost(db: Database, where: SQL): Promise<number> {
  const requeued = await queryRows(
    db,
    sql`
    UPDATE jobs SET
      state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
      last_error = CASE WHEN attempts >= max_attempts THEN 'worker lost while running the job' ELSE last_error END,
      run_at = now(), locked_at = NULL, locked_by = NULL
    WHERE state = 'running' AND ${where}
    RETURNING id`,
  );
  return requeued.length;
}

class DatabaseWorker {
  #db: Database;
  #settings: Settings;
  #queues: QueueName[];
  #handler: JobHandler;
  #concurrency: number;
  #id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  #running = new Map<string, Promise<void>>();
  #closed = false;
  /** jobs this process enqueued for these queues and not yet claimed: a claim each, none wasted */
  #announced = 0;
  /** set by a poll (jobs due later, or enqueued by another process): claim until none is left */
  #mayHaveMore = true;
  #wakeRequested = false;
  #wakeUp: (() => void) | undefined;
  #lastReclaim = 0;
  #heartbeat: NodeJS.Timeout;
  #loop: Promise<void>;

  constructor(db: Database, settings: Settings, queues: QueueName[], handler: JobHandler, concurrency: number) {
    this.#db = db;
    this.#settings = settings;
    this.#queues = [...new Set(queues)];
    this.#handler = handler;
    this.#concurrency = concurrency;
    this.#heartbeat = setInterval(() => void this.#beat(), settings.heartbeatIntervalMs);
    this.#heartbeat.unref();
    this.#loop = this.#run();
  }

  serves(queue: QueueName): boolean {
    return this.#queues.includes(queue);
  }

  hasFreeSlot(): boolean {
    return this.#running.size < this.#concurrency;
  }

  /** A job was enqueued on `queue`: one claim for it. */
  wake(queue: QueueName): void {
    if (!this.serves(queue)) return;
    this.#announced++;
    this.#signal();
  }

  #signal(): void {
    if (this.#wakeUp) this.#wakeUp();
    else this.#wakeRequested = true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#signal();
    await this.#loop;
    await Promise.allSettled(this.#running.values());
    clearInterval(this.#heartbeat);
  }

  async #run(): Promise<void> {
    if (this.#queues.length === 0) return;
    while (!this.#closed) {
      try {
        if (Date.now() - this.#lastReclaim >= this.#settings.heartbeatIntervalMs) await this.#reclaim();
        await this.#claimWhileWorthIt();
      } catch (error) {
        this.#settings.onError(error);
      }
      await this.#sleep(this.#settings.pollIntervalMs * (0.7 + Math.random() * 0.6));
    }
  }

  /**
   * Claims jobs while a slot is free and there is reason to think one is waiting: as many as were
   * announced, or, after a poll, until none is found. A claim that finds nothing costs a statement,
   * so none is made just in case (after a job ends, or for each worker of the process).
   */
  async #claimWhileWorthIt(): Promise<void> {
    while (!this.#closed && this.#running.size < this.#concurrency && (this.#announced > 0 || this.#mayHaveMore)) {
      const announced = this.#announced;
      const claimed = await this.#claim();
      if (!claimed) {
        // the jobs announced while the claim ran may not have been visible to it
        this.#announced -= announced;
        this.#mayHaveMore = false;
        return;
      }
      if (this.#announced > 0) this.#announced--;
      this.#start(claimed);
    }
  }

  #sleep(delay: number): Promise<void> {
    if (this.#wakeRequested || this.#closed) {
      this.#wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        this.#mayHaveMore = true;
        done();
      }, delay);
      this.#wakeUp = done;
    });
  }

  async #reclaim(): Promise<void> {
    this.#lastReclaim = Date.now();
    await requeueLost(this.#db, sql`locked_at < now() - ${ms(this.#settings.lockTimeoutMs)}`);
  }

  /**
   * Claims the next job: the oldest due one of the first queue, in a weighted random order (as
   * Sidekiq fetches), that has any. The nested loop visits the queues in that order and stops at
   * the first job it can lock, so other queues' rows are not touched.
   */
  async #claim(): Promise<Claimed | undefined> {
    const order = sql`ARRAY[${list(weightedQueueOrder(this.#queues))}]::text[]`;
    const [row] = await queryRows<JobRow & { max_attempts: number }>(
      this.#db,
      sql`
      UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_at = now(), locked_by = ${this.#id}
      WHERE id = (
        SELECT next.id FROM unnest(${order}) WITH ORDINALITY AS q(name, rank)
        CROSS JOIN LATERAL (
          SELECT id FROM jobs
          WHERE state = 'queued' AND queue = q.name AND run_at <= now()
          ORDER BY run_at, id LIMIT 1
          FOR UPDATE SKIP LOCKED) next
        ORDER BY q.rank LIMIT 1)
      RETURNING id::text AS id, queue, name, data, attempts, max_attempts`,
    );
    if (!row) return undefined;
    const job = { id: row.id, queue: row.queue, name: row.name, data: row.data, attempt: Number(row.attempts) };
    return { job, lastAttempt: job.attempt >= Number(row.max_attempts) };
  }

  #start({ job, lastAttempt }: Claimed): void {
    const run = this.#execute(job, lastAttempt).finally(() => {
      this.#running.delete(job.id);
      // a slot is free: worth a claim only if jobs were left waiting for one
      if (this.#announced > 0 || this.#mayHaveMore) this.#signal();
    });
    this.#running.set(job.id, run);
  }

  async #execute(job: Job, lastAttempt: boolean): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await this.#handler(job);
    } catch (error) {
      failure = { error };
    }
    try {
      if (!failure) {
        await this.#db.execute(sql`DELETE FROM jobs WHERE id = ${job.id}::bigint`);
        return;
      }
      const runAt = lastAttempt ? sql`now()` : sql`now() + ${ms(Math.max(0, this.#settings.backoff(job.attempt)))}`;
      await this.#db.execute(sql`
        UPDATE jobs SET state = ${lastAttempt ? 'dead' : 'queued'}, run_at = ${runAt},
          last_error = ${errorMessage(failure.error)}, locked_at = NULL, locked_by = NULL
        WHERE id = ${job.id}::bigint AND state = 'running' AND locked_by = ${this.#id}`);
    } catch (error) {
      // The row stays locked by us; once its lock times out another worker runs the job again.
      this.#settings.onError(error);
    }
  }

  async #beat(): Promise<void> {
    if (this.#running.size === 0) return;
    try {
      await this.#db.execute(sql`
        UPDATE jobs SET locked_at = now()
        WHERE id IN (${ids([...this.#running.keys()])}) AND state = 'running' AND locked_by = ${this.#id}`);
    } catch (error) {
      this.#settings.onError(error);
    }
  }
}
