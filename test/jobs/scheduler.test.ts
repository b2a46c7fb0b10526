import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import type { Cache } from '../../src/backends/cache/index.ts';
import { MemoryCache } from '../../src/backends/cache/memory.ts';
import { RedisCache } from '../../src/backends/cache/redis.ts';
import type { JobQueue, QueueName } from '../../src/backends/queue/index.ts';
import { closeRedis, createRedis } from '../../src/backends/redis.ts';
import type { AppContext } from '../../src/context.ts';
import { startScheduler } from '../../src/roles/scheduler.ts';

const REDIS_URL = process.env.REDIS_URL;
const prefix = `test:scheduler:${randomUUID()}:`;
const memory = new MemoryCache();
const caches: Cache[] = [memory];

/** A cache of its own on the shared store: another client of one Redis, or the one in-process map. */
function sharedCache(): Cache {
  if (!REDIS_URL) return memory;
  const cache = new RedisCache(createRedis(REDIS_URL), { prefix });
  caches.push(cache);
  return cache;
}

after(async () => {
  if (REDIS_URL) {
    const raw = createRedis(REDIS_URL);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await closeRedis(raw);
  }
  await Promise.all(caches.map((cache) => cache.close()));
});

/** A cache that fails every call once `cut` is set, as for a scheduler whose Redis connection died. */
function cuttable(cache: Cache): { cache: Cache; cut(): void } {
  let cut = false;
  const wrapped = new Proxy(cache, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (cut ? Promise.reject(new Error('connection lost')) : value.apply(target, args));
    },
  });
  return { cache: wrapped, cut: () => (cut = true) };
}

interface Started {
  name: string;
  enqueued: number[];
  logs: string[];
  stop(): Promise<void>;
}

const TICK = { name: 'Test::Tick', queue: 'scheduler' as QueueName };

function scheduler(name: string, cache: Cache, leaseSeconds = 1): Started {
  const enqueued: number[] = [];
  const logs: string[] = [];
  const queue = { enqueue: async () => void enqueued.push(Date.now()) } as unknown as JobQueue;
  const log = { info: (_: unknown, message: string) => logs.push(message), warn: (_: unknown, message: string) => logs.push(message) };
  const ctx = { cache, queue, log } as unknown as AppContext;
  const running = startScheduler(ctx, { schedules: [{ job: TICK, everySeconds: 1 }], leaseSeconds, tickMs: 100 });
  return { name, enqueued, logs, stop: running.stop };
}

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

describe(`exactly one scheduler runs (${REDIS_URL ? 'lease in Redis' : 'lease in the embedded cache'})`, () => {
  test('of two schedulers only the leader enqueues; when it stops, the other takes over', async () => {
    const first = scheduler('first', sharedCache());
    await waitUntil('the first leads', () => first.logs.some((line) => line.includes('leading')));
    const second = scheduler('second', sharedCache());
    try {
      await waitUntil('the second waits', () => second.logs.some((line) => line.includes('waiting to take over')));
      // two periods, a second or more in which the second scheduler ticked ten times
      await waitUntil('the leader enqueues twice', () => first.enqueued.length >= 2);
      assert.equal(second.enqueued.length, 0, 'the second scheduler enqueued nothing');
      const stoppedAt = Date.now();
      const enqueuedBefore = first.enqueued.length;
      await first.stop();
      await waitUntil('the second takes over', () => second.enqueued.length > 0);
      assert.ok(Date.now() - stoppedAt < 2000, 'the released lease is taken at once');
      assert.ok(second.logs.some((line) => line.includes('leading')));
      const takenOver = second.enqueued.length;
      await waitUntil('the new leader enqueues for another period', () => second.enqueued.length > takenOver);
      assert.equal(first.enqueued.length, enqueuedBefore, 'a stopped scheduler enqueues nothing');
      // one enqueue per one-second period between them, never two
      const all = [...first.enqueued, ...second.enqueued].map((at) => Math.floor(at / 1000));
      assert.equal(new Set(all).size, all.length, 'no period enqueued twice');
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  test('a leader that can no longer reach the cache is replaced once its lease expires', async () => {
    const doomed = cuttable(sharedCache());
    const first = scheduler('first', doomed.cache, 2);
    await waitUntil('the first leads', () => first.logs.some((line) => line.includes('leading')));
    const second = scheduler('second', sharedCache(), 2);
    try {
      const led = first.enqueued.length;
      await waitUntil('the leader enqueues for another period', () => first.enqueued.length > led);
      assert.equal(second.enqueued.length, 0);
      doomed.cut();
      const cutAt = Date.now();
      await waitUntil('the second takes over', () => second.enqueued.length > 0, 6000);
      const waited = Date.now() - cutAt;
      assert.ok(waited >= 900, `took over after ${waited} ms, before the lease could have expired`);
      assert.ok(first.logs.some((line) => line.includes('stepping down')));
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
