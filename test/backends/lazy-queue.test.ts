import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyQueueStats, type Job, type JobQueue } from '../../src/backends/queue/index.ts';
import { LazyJobQueue } from '../../src/backends/queue/lazy.ts';

/** A queue recording what it was asked, and how often the lazy queue opened one. */
function recordingQueue() {
  const calls: string[] = [];
  let opened = 0;
  const handlers: ((job: Job) => Promise<void>)[] = [];
  const queue: JobQueue = {
    enqueue: async (name, jobName) => void calls.push(`enqueue ${name} ${jobName}`),
    enqueueMany: async (jobs) => void calls.push(...jobs.map((job) => `enqueue ${job.queue} ${job.name}`)),
    work: (queues, handler) => {
      calls.push(`work ${queues.join(',')}`);
      handlers.push(handler);
      return { close: async () => void calls.push('worker closed') };
    },
    counts: async () => ({ default: 1, push: 0, ingress: 0, mailers: 0, pull: 0, scheduler: 0 }),
    stats: async () => emptyQueueStats(),
    deadJobs: async () => [],
    retryDead: async () => true,
    deleteDead: async () => true,
    ping: async () => void calls.push('ping'),
    close: async () => void calls.push('closed'),
  };
  const lazy = new LazyJobQueue(async () => {
    opened += 1;
    return queue;
  });
  return { lazy, calls, handlers, opened: () => opened };
}

test('the lazy queue opens its driver with the first call, once, and closes it', async () => {
  const { lazy, calls, opened } = recordingQueue();
  assert.equal(opened(), 0);
  await Promise.all([lazy.enqueue('default', 'A', {}), lazy.ping()]);
  assert.equal((await lazy.counts()).default, 1);
  assert.equal(opened(), 1);
  await lazy.close();
  assert.deepEqual(calls, ['enqueue default A', 'ping', 'closed']);
});

test('a queue never used is never opened, and closing it opens nothing', async () => {
  const { lazy, opened } = recordingQueue();
  await lazy.close();
  assert.equal(opened(), 0);
});

test('a worker starts once the driver is open, and closes through it', async () => {
  const { lazy, calls, handlers } = recordingQueue();
  const worker = lazy.work(['default', 'push'], async () => {}, { concurrency: 2 });
  await worker.close();
  assert.equal(handlers.length, 1);
  assert.deepEqual(calls, ['work default,push', 'worker closed']);
});
