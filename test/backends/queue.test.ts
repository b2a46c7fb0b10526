import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Worker as BullWorker } from 'bullmq';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openBackends } from '../../src/backends/index.ts';
import { MemoryCache } from '../../src/backends/cache/memory.ts';
import { RedisCache } from '../../src/backends/cache/redis.ts';
import { MemoryPubSub } from '../../src/backends/pubsub/memory.ts';
import { RedisPubSub } from '../../src/backends/pubsub/redis.ts';
import { BullmqJobQueue } from '../../src/backends/queue/bullmq.ts';
import { LazyJobQueue } from '../../src/backends/queue/lazy.ts';
import { DatabaseJobQueue } from '../../src/backends/queue/database.ts';
import { QUEUE_NAMES, type Job, type JobQueue, type QueueName } from '../../src/backends/queue/index.ts';
import { closeRedis, createRedis } from '../../src/backends/redis.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/index.ts';
import { watchQueries } from '../../src/db/query-log.ts';

const REDIS_URL = process.env.REDIS_URL;
const DATABASE_URL = process.env.DATABASE_URL;
const RETRY_DELAY_MS = 100;

/** A migrated database of its own: PGlite in a temp dir, or a fresh database on DATABASE_URL's server. */
async function openTestDatabase(): Promise<{ handle: DatabaseHandle; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-queue-test-'));
  if (!DATABASE_URL) {
    const handle = await openDatabase(loadConfig({ SUBSPACE_DATA_DIR: dir }));
    await handle.migrate();
    return {
      handle,
      async cleanup() {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `subspace_t_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const env = { SUBSPACE_DATA_DIR: dir, DATABASE_URL: url.toString(), SECRET_KEY_BASE: randomBytes(32).toString('hex') };
  const handle = await openDatabase(loadConfig(env));
  await handle.migrate();
  return {
    handle,
    async cleanup() {
      await handle.close();
      await admin(`DROP DATABASE ${name} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type TestDatabase = Awaited<ReturnType<typeof openTestDatabase>>;
let shared: Promise<TestDatabase> | undefined;
/** One database for the whole file; opening PGlite and migrating takes seconds. */
function sharedDatabase(): Promise<TestDatabase> {
  return (shared ??= openTestDatabase());
}
after(async () => {
  if (shared) await (await shared).cleanup();
});

/** Waits until `name` holds no waiting, delayed or running job: a job run twice would have run by then. */
const drained = (queue: JobQueue, name: QueueName) => waitUntil(async () => (await queue.counts())[name] === 0, `the ${name} queue to drain`);

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

interface Driver {
  queue: JobQueue;
  backoffCalls: number[];
  /** leaves a job of `name` claimed by a worker that then died */
  simulateDeadWorker(queue: QueueName, name: string): Promise<void>;
  teardown(): Promise<void>;
}

function queueContract(open: () => Promise<Driver>) {
  let driver: Driver;
  let queue: JobQueue;
  before(async () => {
    driver = await open();
    queue = driver.queue;
  });
  after(async () => {
    await driver.teardown();
  });

  test('a job runs once, with its data', async () => {
    const runs: Job[] = [];
    const worker = queue.work(['default'], async (job) => void runs.push(job), { concurrency: 2 });
    await queue.enqueue('default', 'once', { greeting: 'hello', n: [1, 2] });
    await waitUntil(() => runs.length === 1, 'the job ran');
    await drained(queue, 'default');
    await worker.close();
    assert.equal(runs.length, 1);
    assert.equal(runs[0].name, 'once');
    assert.equal(runs[0].queue, 'default');
    assert.equal(runs[0].attempt, 1);
    assert.deepEqual(runs[0].data, { greeting: 'hello', n: [1, 2] });
    assert.equal((await queue.counts()).default, 0);
  });

  test('a worker takes jobs only from its queues', async () => {
    const ran: string[] = [];
    const worker = queue.work(['push'], async (job) => void ran.push(job.queue), { concurrency: 1 });
    await queue.enqueue('pull', 'elsewhere', null);
    await queue.enqueue('push', 'here', null);
    await waitUntil(() => ran.length === 1, 'the push job ran');
    await drained(queue, 'push');
    await worker.close();
    assert.deepEqual(ran, ['push']);
    assert.equal((await queue.counts()).pull, 1);
    const other = queue.work(['pull'], async (job) => void ran.push(job.queue), { concurrency: 1 });
    await waitUntil(() => ran.length === 2, 'the pull job ran');
    await other.close();
  });

  test('a failing job is retried with backoff, then kept in the dead set with its error', async () => {
    driver.backoffCalls.length = 0;
    const tries: { attempt: number; at: number }[] = [];
    const worker = queue.work(
      ['ingress'],
      async (job) => {
        if (job.name !== 'always-fails') return;
        tries.push({ attempt: job.attempt, at: Date.now() });
        throw new Error(`boom ${job.attempt}`);
      },
      { concurrency: 1 },
    );
    await queue.enqueue('ingress', 'always-fails', { x: 1 }, { attempts: 3 });
    await waitUntil(async () => (await queue.deadJobs('ingress')).some((job) => job.name === 'always-fails'), 'the job is dead');
    await drained(queue, 'ingress');
    await worker.close();
    assert.deepEqual(
      tries.map((t) => t.attempt),
      [1, 2, 3],
    );
    assert.deepEqual(driver.backoffCalls, [1, 2]);
    for (let i = 1; i < tries.length; i++) {
      assert.ok(tries[i].at - tries[i - 1].at >= RETRY_DELAY_MS - 20, `retry ${i} waited ${tries[i].at - tries[i - 1].at} ms`);
    }
    const [dead] = (await queue.deadJobs()).filter((job) => job.name === 'always-fails');
    assert.equal(dead.queue, 'ingress');
    assert.equal(dead.error, 'boom 3');
    assert.equal(dead.attempt, 3);
    assert.deepEqual(dead.data, { x: 1 });
    assert.ok(dead.failedAt instanceof Date && Math.abs(dead.failedAt.getTime() - Date.now()) < 10_000);
    assert.equal((await queue.counts()).ingress, 0);
    assert.deepEqual(await queue.deadJobs('mailers'), []);
  });

  test('retryDead moves a dead job back to its queue', async () => {
    let fail = true;
    const runs: number[] = [];
    const worker = queue.work(
      ['mailers'],
      async (job) => {
        runs.push(job.attempt);
        if (fail) throw new Error('smtp down');
      },
      { concurrency: 1 },
    );
    await queue.enqueue('mailers', 'revivable', null, { attempts: 1 });
    await waitUntil(async () => (await queue.deadJobs('mailers')).length === 1, 'the job is dead');
    const [dead] = await queue.deadJobs('mailers');
    assert.equal(dead.error, 'smtp down');
    fail = false;
    assert.equal(await queue.retryDead(dead.id), true);
    await waitUntil(() => runs.length === 2, 'the retried job ran');
    await waitUntil(async () => (await queue.counts()).mailers === 0, 'the job is done');
    await worker.close();
    assert.deepEqual(runs, [1, 1]);
    assert.deepEqual(await queue.deadJobs('mailers'), []);
    assert.equal(await queue.retryDead(dead.id), false);
    assert.equal(await queue.retryDead('no-such-job'), false);
  });

  test('deleteDead removes a dead job for good, and nothing else', async () => {
    const worker = queue.work(
      ['mailers'],
      async () => {
        throw new Error('bounced');
      },
      { concurrency: 1 },
    );
    await queue.enqueue('mailers', 'doomed', { n: 1 }, { attempts: 1 });
    await queue.enqueue('mailers', 'doomed', { n: 2 }, { attempts: 1 });
    await waitUntil(async () => (await queue.deadJobs('mailers')).length === 2, 'both jobs are dead');
    await worker.close();
    const [first, second] = await queue.deadJobs('mailers');
    assert.equal(await queue.deleteDead(first!.id), true);
    assert.deepEqual(
      (await queue.deadJobs('mailers')).map((job) => job.id),
      [second!.id],
    );
    assert.equal(await queue.deleteDead(first!.id), false, 'gone already');
    assert.equal(await queue.deleteDead('no-such-job'), false);
    assert.equal(await queue.retryDead(first!.id), false, 'a deleted job cannot be retried');
    assert.equal(await queue.deleteDead(second!.id), true);
    assert.deepEqual(await queue.deadJobs('mailers'), []);
  });

  test('uniqueKey: a job is enqueued once while one with the same key is pending', async () => {
    const runs: unknown[] = [];
    await queue.enqueue('scheduler', 'tick', { n: 1 }, { uniqueKey: 'tick:every-minute' });
    await queue.enqueue('scheduler', 'tick', { n: 2 }, { uniqueKey: 'tick:every-minute' });
    await queue.enqueue('scheduler', 'tick', { n: 3 }, { uniqueKey: 'tick:every-minute' });
    await queue.enqueue('scheduler', 'tick', { n: 4 }, { uniqueKey: '12345' });
    assert.equal((await queue.counts()).scheduler, 2);
    const worker = queue.work(['scheduler'], async (job) => void runs.push(job.data), { concurrency: 1 });
    await waitUntil(() => runs.length === 2, 'the unique jobs ran');
    await waitUntil(async () => (await queue.counts()).scheduler === 0, 'the jobs are done');
    await queue.enqueue('scheduler', 'tick', { n: 5 }, { uniqueKey: 'tick:every-minute' });
    await waitUntil(() => runs.length === 3, 'the key is free again once the job finished');
    await drained(queue, 'scheduler');
    await worker.close();
    assert.deepEqual(runs, [{ n: 1 }, { n: 4 }, { n: 5 }]);
  });

  test('enqueueMany: jobs of several queues at once, each with its options', async () => {
    const runs: { n: number; at: number }[] = [];
    await queue.enqueue('default', 'batched', { n: 0 }, { uniqueKey: 'batch:taken' });
    const enqueuedAt = Date.now();
    await queue.enqueueMany([
      { queue: 'default', name: 'batched', data: { n: 1 } },
      { queue: 'pull', name: 'batched', data: { n: 2 }, options: { attempts: 1 } },
      { queue: 'default', name: 'batched', data: { n: 3 }, options: { uniqueKey: 'batch:taken' } },
      { queue: 'default', name: 'batched', data: { n: 4 }, options: { uniqueKey: 'batch:new' } },
      { queue: 'default', name: 'batched', data: { n: 5 }, options: { uniqueKey: 'batch:new' } },
      { queue: 'pull', name: 'batched', data: { n: 6 }, options: { delayMs: 600 } },
    ]);
    const counts = await queue.counts();
    assert.equal(counts.default, 3, 'n 0, 1 and 4: a pending key takes no second job');
    assert.equal(counts.pull, 2);
    const worker = queue.work(['default', 'pull'], async (job) => void runs.push({ n: (job.data as { n: number }).n, at: Date.now() }), { concurrency: 2 });
    await waitUntil(() => runs.length === 5, 'the jobs ran');
    await drained(queue, 'pull');
    await worker.close();
    assert.deepEqual(runs.map((run) => run.n).sort(), [0, 1, 2, 4, 6]);
    const delayed = runs.find((run) => run.n === 6)!;
    assert.ok(delayed.at - enqueuedAt >= 550, `the delayed one ran after ${delayed.at - enqueuedAt} ms`);
  });

  test('uniqueKey: a dead job does not block a new one with its key', async () => {
    const runs: number[] = [];
    const worker = queue.work(
      ['scheduler'],
      async (job) => {
        runs.push((job.data as { n: number }).n);
        if ((job.data as { n: number }).n === 1) throw new Error('first fails');
      },
      { concurrency: 1 },
    );
    await queue.enqueue('scheduler', 'unique-dies', { n: 1 }, { uniqueKey: 'dies', attempts: 1 });
    await waitUntil(async () => (await queue.deadJobs('scheduler')).some((job) => job.name === 'unique-dies'), 'the job is dead');
    await queue.enqueue('scheduler', 'unique-dies', { n: 2 }, { uniqueKey: 'dies' });
    await waitUntil(() => runs.length === 2, 'the new job ran');
    await worker.close();
    assert.deepEqual(runs, [1, 2]);
  });

  test('a delayed job waits', async () => {
    let ranAt = 0;
    const worker = queue.work(['pull'], async () => void (ranAt = Date.now()), { concurrency: 1 });
    const enqueuedAt = Date.now();
    await queue.enqueue('pull', 'later', null, { delayMs: 1000 });
    await sleep(500);
    assert.equal(ranAt, 0);
    assert.equal((await queue.counts()).pull, 1);
    await waitUntil(() => ranAt > 0, 'the delayed job ran');
    await worker.close();
    assert.ok(ranAt - enqueuedAt >= 950, `ran after ${ranAt - enqueuedAt} ms`);
  });

  test('no more than `concurrency` jobs run at a time', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    const worker = queue.work(
      ['default'],
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(150);
        running--;
        done++;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 5; i++) await queue.enqueue('default', 'slow', { i });
    await waitUntil(() => done === 5, 'all jobs ran');
    await worker.close();
    assert.equal(peak, 2);
  });

  test('the queues share one concurrency, and the higher-weight queue is served more often', async () => {
    // default weighs 8 and mailers 2 (Sidekiq's weights): with both backlogged, about 4 in 5 of
    // the jobs taken come from default, yet mailers is not starved
    const served: QueueName[] = [];
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 40; i++) {
      await queue.enqueue('mailers', 'weighed', { i });
      await queue.enqueue('default', 'weighed', { i });
    }
    const worker = queue.work(
      ['mailers', 'default'],
      async (job) => {
        running++;
        peak = Math.max(peak, running);
        served.push(job.queue);
        await sleep(1);
        running--;
      },
      { concurrency: 1 },
    );
    await waitUntil(() => served.length === 80, 'every job ran', 30_000);
    await worker.close();
    assert.equal(peak, 1);
    const fromDefault = served.slice(0, 40).filter((name) => name === 'default').length;
    assert.ok(fromDefault >= 24 && fromDefault < 40, `${fromDefault} of the first 40 jobs came from default`);
  });

  test('closing a worker waits for its running job, which is then done', async () => {
    let started = false;
    let finished = false;
    const worker = queue.work(
      ['push'],
      async () => {
        started = true;
        await sleep(400);
        finished = true;
      },
      { concurrency: 1 },
    );
    await queue.enqueue('push', 'in-flight', null);
    await waitUntil(() => started, 'the job started');
    await worker.close();
    assert.equal(finished, true);
    assert.equal((await queue.counts()).push, 0);
  });

  test('a job whose worker died is run again', async () => {
    const runs: Job[] = [];
    await driver.simulateDeadWorker('default', 'orphan');
    const worker = queue.work(['default'], async (job) => void runs.push(job), { concurrency: 1 });
    await waitUntil(() => runs.length === 1, 'the orphaned job ran', 15_000);
    await waitUntil(async () => (await queue.counts()).default === 0, 'the job is done');
    await worker.close();
    assert.equal(runs[0].name, 'orphan');
  });

  test('stats: each queue’s size, latency, retries and dead jobs', async () => {
    const before = (await queue.stats()).pull;
    await queue.enqueue('pull', 'waits', null);
    await queue.enqueue('pull', 'waits', null);
    await sleep(300);
    const waiting = await queue.stats();
    assert.deepEqual(Object.keys(waiting).sort(), [...QUEUE_NAMES].sort());
    assert.equal(waiting.pull.size, before.size + 2);
    assert.ok(waiting.pull.latencySeconds >= 0.25 && waiting.pull.latencySeconds < 60, `latency ${waiting.pull.latencySeconds}`);
    const drainAll = async (name: QueueName) => {
      const worker = queue.work([name], async () => {}, { concurrency: 2 });
      await drained(queue, name);
      await worker.close();
    };
    await drainAll('pull');
    // a job that failed waits among the retries (its worker stopped after the first try), then dies
    const failing = () => {
      let failures = 0;
      const worker = queue.work(
        ['pull'],
        async (job) => {
          if (job.name !== 'fails') return;
          failures += 1;
          throw new Error('no');
        },
        { concurrency: 1 },
      );
      return { worker, failures: () => failures };
    };
    const first = failing();
    await queue.enqueue('pull', 'fails', null, { attempts: 2 });
    await waitUntil(() => first.failures() === 1, 'the first try');
    await first.worker.close();
    await waitUntil(async () => (await queue.stats()).pull.retries === before.retries + 1, 'the failed job to wait for its retry');
    const second = failing();
    await waitUntil(async () => (await queue.stats()).pull.dead === before.dead + 1, 'the job to die');
    await drained(queue, 'pull');
    await second.worker.close();
    const after = (await queue.stats()).pull;
    assert.deepEqual(after, { size: 0, retries: before.retries, dead: before.dead + 1, latencySeconds: 0 });
  });

  test('ping', async () => {
    await queue.ping();
  });
}

describe('database queue', () => {
  let database: TestDatabase;
  const backoffCalls: number[] = [];
  const options = {
    backoff: (attempt: number) => {
      backoffCalls.push(attempt);
      return RETRY_DELAY_MS;
    },
  };

  queueContract(async () => {
    database = await sharedDatabase();
    const queue = new DatabaseJobQueue(database.handle.db, options);
    return {
      queue,
      backoffCalls,
      async simulateDeadWorker(queueName, name) {
        await database.handle.db.execute(sql`
          INSERT INTO jobs (queue, name, data, max_attempts, state, attempts, locked_at, locked_by)
          VALUES (${queueName}, ${name}, '{}'::jsonb, 25, 'running', 1, now() - interval '5 minutes', 'gone-host:1:dead')`);
      },
      async teardown() {
        await queue.close();
        await database.handle.db.execute(sql`DELETE FROM jobs`);
      },
    };
  });

  const insertRunning = (name: string, lockedAt: string, attempts = 1, maxAttempts = 25) =>
    database.handle.db.execute(sql`
      INSERT INTO jobs (queue, name, data, max_attempts, state, attempts, locked_at, locked_by)
      VALUES ('default', ${name}, '{}'::jsonb, ${maxAttempts}, 'running', ${attempts}, ${lockedAt}::timestamptz, 'other:1:x')`);

  test('the attempt that died counts: the orphan runs as attempt 2', async () => {
    const queue = new DatabaseJobQueue(database.handle.db, options);
    const runs: Job[] = [];
    await insertRunning('orphan-2', '2000-01-01T00:00:00Z');
    queue.work(['default'], async (job) => void runs.push(job), { concurrency: 1 });
    await waitUntil(() => runs.length === 1, 'the orphan ran');
    await queue.close();
    assert.equal(runs[0].attempt, 2);
  });

  test('a freshly locked job is left to its worker; recoverAll takes it back at once', async () => {
    const queue = new DatabaseJobQueue(database.handle.db, options);
    const runs: string[] = [];
    await insertRunning('busy-elsewhere', new Date().toISOString());
    queue.work(['default'], async (job) => void runs.push(job.name), { concurrency: 1 });
    await sleep(800);
    assert.deepEqual(runs, []);
    assert.equal(await queue.recoverAll(), 1);
    await waitUntil(() => runs.length === 1, 'the recovered job ran');
    await queue.close();
  });

  test('a lost job on its last attempt goes to the dead set', async () => {
    const queue = new DatabaseJobQueue(database.handle.db, options);
    await insertRunning('last-try', '2000-01-01T00:00:00Z', 3, 3);
    assert.equal(await queue.recoverAll(), 1);
    const dead = (await queue.deadJobs('default')).find((job) => job.name === 'last-try');
    assert.ok(dead);
    assert.match(dead.error, /worker lost/);
    await queue.close();
  });

  test('the heartbeat keeps a long job from being taken by another worker', async () => {
    const quick = { ...options, heartbeatIntervalMs: 100, lockTimeoutMs: 400 };
    const first = new DatabaseJobQueue(database.handle.db, quick);
    const second = new DatabaseJobQueue(database.handle.db, quick);
    let runs = 0;
    const handler = async () => {
      runs++;
      await sleep(1200);
    };
    first.work(['push'], handler, { concurrency: 1 });
    await first.enqueue('push', 'long', null);
    await waitUntil(() => runs === 1, 'the long job started');
    second.work(['push'], handler, { concurrency: 1 });
    await first.close();
    await second.close();
    assert.equal(runs, 1);
    assert.equal((await first.counts()).push, 0);
  });

  test('each job enqueued here costs one claim: not one per worker, none after it ends', async () => {
    // no poll during the test: only the jobs enqueued wake the workers
    const queue = new DatabaseJobQueue(database.handle.db, { ...options, pollIntervalMs: 600_000 });
    const watch = watchQueries(database.handle.db);
    const claims = () => watch.queries.filter((query) => query.includes("SET state = 'running'")).length;
    try {
      const runs: string[] = [];
      queue.work(['default', 'push'], async (job) => void runs.push(job.name), { concurrency: 2 });
      queue.work(['default'], async (job) => void runs.push(job.name), { concurrency: 2 });
      // each worker looks once when it starts, and finds nothing
      await waitUntil(() => claims() === 2, 'the first look of each worker');
      for (const name of ['one', 'two', 'three']) await queue.enqueue('default', name, null);
      await waitUntil(() => runs.length === 3, 'the jobs ran');
      await waitUntil(async () => (await queue.counts()).default === 0, 'the jobs were removed');
      assert.equal(claims(), 2 + 3);
    } finally {
      watch.stop();
      await queue.close();
    }
  });

  test('two queues on one database run each job exactly once', async () => {
    const a = new DatabaseJobQueue(database.handle.db, options);
    const b = new DatabaseJobQueue(database.handle.db, options);
    const seen = new Map<number, number>();
    const handler = async (job: Job) => {
      const n = (job.data as { n: number }).n;
      seen.set(n, (seen.get(n) ?? 0) + 1);
      await sleep(5);
    };
    a.work(['pull'], handler, { concurrency: 3 });
    b.work(['pull'], handler, { concurrency: 3 });
    for (let n = 0; n < 40; n++) await a.enqueue('pull', 'shared', { n });
    await waitUntil(() => seen.size === 40, 'all jobs ran');
    await sleep(300);
    await a.close();
    await b.close();
    assert.ok([...seen.values()].every((count) => count === 1));
  });
});

describe('bullmq queue', { skip: REDIS_URL ? false : 'REDIS_URL is not set' }, () => {
  const prefix = `test-bull-${randomUUID()}`;
  const backoffCalls: number[] = [];

  queueContract(async () => {
    const queue = new BullmqJobQueue(createRedis(REDIS_URL!), {
      prefix,
      lockDurationMs: 1000,
      stalledIntervalMs: 300,
      backoff: (attempt) => {
        backoffCalls.push(attempt);
        return RETRY_DELAY_MS;
      },
    });
    return {
      queue,
      backoffCalls,
      async simulateDeadWorker(queueName, name) {
        // Another process's worker takes the job, then dies without releasing it.
        await queue.enqueue(queueName, name, null);
        const connection = createRedis(REDIS_URL!);
        let taken = false;
        const doomed = new BullWorker(
          queueName,
          async () => {
            taken = true;
            await new Promise(() => {});
          },
          { connection, prefix, lockDuration: 1000, stalledInterval: 300 },
        );
        doomed.on('error', () => {});
        await waitUntil(() => taken, 'the doomed worker took the job');
        await doomed.close(true);
        await closeRedis(connection);
      },
      async teardown() {
        await queue.close();
        const raw = createRedis(REDIS_URL!);
        const keys = await raw.keys(`${prefix}:*`);
        if (keys.length > 0) await raw.del(...keys);
        await closeRedis(raw);
      },
    };
  });
});

describe('openBackends', () => {
  let database: TestDatabase;
  before(async () => {
    database = await sharedDatabase();
  });

  test('without Redis: memory cache and pub/sub, the database queue', async () => {
    await database.handle.db.execute(sql`
      INSERT INTO jobs (queue, name, data, max_attempts, state, attempts, locked_at, locked_by)
      VALUES ('default', 'left-running', '{}'::jsonb, 25, 'running', 1, now(), 'previous-run')`);
    const config = loadConfig({ SUBSPACE_DATA_DIR: mkdtempSync(join(tmpdir(), 'subspace-backends-test-')) });
    const backends = await openBackends(config, database.handle, { queueBackoff: () => 10 });
    try {
      assert.ok(backends.cache instanceof MemoryCache);
      assert.ok(backends.pubsub instanceof MemoryPubSub);
      assert.ok(backends.queue instanceof DatabaseJobQueue);
      // Only PGlite proves that no other process is using the jobs table.
      const [row] = (
        (await database.handle.db.execute(sql`SELECT state FROM jobs WHERE name = 'left-running'`)) as unknown as {
          rows: { state: string }[];
        }
      ).rows;
      assert.equal(row.state, database.handle.kind === 'pglite' ? 'queued' : 'running');
      await backends.queue.ping();
    } finally {
      await backends.close();
      await database.handle.db.execute(sql`DELETE FROM jobs`);
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  test('with REDIS_URL: Redis cache and pub/sub, BullMQ', { skip: REDIS_URL ? false : 'REDIS_URL is not set' }, async () => {
    const config = loadConfig({ SUBSPACE_DATA_DIR: mkdtempSync(join(tmpdir(), 'subspace-backends-test-')), REDIS_URL });
    const backends = await openBackends(config, database.handle, { bullmqPrefix: `test-backends-${randomUUID()}` });
    try {
      assert.ok(backends.cache instanceof RedisCache);
      assert.ok(backends.pubsub instanceof RedisPubSub);
      // BullMQ is loaded by the first call
      assert.ok(backends.queue instanceof LazyJobQueue);
      await Promise.all([backends.cache.ping(), backends.pubsub.ping(), backends.queue.ping()]);
    } finally {
      await backends.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
