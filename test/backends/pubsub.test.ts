import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { PubSub } from '../../src/backends/pubsub/index.ts';
import { MemoryPubSub } from '../../src/backends/pubsub/memory.ts';
import { RedisPubSub } from '../../src/backends/pubsub/redis.ts';
import { closeRedis, createRedis, type Redis } from '../../src/backends/redis.ts';
import { until } from '../helpers/until.ts';

const REDIS_URL = process.env.REDIS_URL;

/** Collects messages and lets a test wait for a number of them. */
function inbox() {
  const messages: string[] = [];
  return {
    messages,
    listener: (message: string) => void messages.push(message),
    async waitFor(count: number, timeoutMs = 3000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) assert.fail(`expected ${count} messages, got ${JSON.stringify(messages)}`);
        await sleep(5);
      }
      return messages;
    },
  };
}

/**
 * Waits until whatever was published on `pubsub` before has been delivered: a message on a channel
 * of its own, published after it, arrives after it (one publisher and one subscriber connection
 * keep the order, as the in-memory broker's queue does).
 */
async function settle(pubsub: PubSub): Promise<void> {
  const fence = inbox();
  const channel = `fence-${randomUUID()}`;
  const stop = await pubsub.subscribe(channel, fence.listener);
  try {
    await pubsub.publish(channel, 'fence');
    await fence.waitFor(1);
  } finally {
    await stop();
  }
}

function pubsubContract(open: () => Promise<PubSub>) {
  let pubsub: PubSub;
  before(async () => {
    pubsub = await open();
  });
  after(async () => {
    await pubsub.close();
  });

  test('a subscriber receives what is published on its channel, in order', async () => {
    const box = inbox();
    const other = inbox();
    const stop = await pubsub.subscribe('news', box.listener);
    const stopOther = await pubsub.subscribe('sports', other.listener);
    for (let i = 1; i <= 20; i++) await pubsub.publish('news', `m${i}`);
    assert.deepEqual(
      await box.waitFor(20),
      Array.from({ length: 20 }, (_, i) => `m${i + 1}`),
    );
    await settle(pubsub);
    assert.deepEqual(other.messages, []);
    await stop();
    await stopOther();
  });

  test('every listener of a channel gets each message; leaving stops delivery to that one only', async () => {
    const a = inbox();
    const b = inbox();
    const stopA = await pubsub.subscribe('shared', a.listener);
    const stopB = await pubsub.subscribe('shared', b.listener);
    await pubsub.publish('shared', 'both');
    await a.waitFor(1);
    await b.waitFor(1);
    await stopA();
    await pubsub.publish('shared', 'only b');
    await b.waitFor(2);
    await settle(pubsub);
    assert.deepEqual(a.messages, ['both']);
    assert.deepEqual(b.messages, ['both', 'only b']);
    await stopB();
    await pubsub.publish('shared', 'nobody');
    await settle(pubsub);
    assert.equal(b.messages.length, 2);
  });

  test('the same function subscribed twice is two subscriptions', async () => {
    const box = inbox();
    const first = await pubsub.subscribe('twice', box.listener);
    const second = await pubsub.subscribe('twice', box.listener);
    await pubsub.publish('twice', 'x');
    await box.waitFor(2);
    await first();
    await first();
    await pubsub.publish('twice', 'y');
    await box.waitFor(3);
    await settle(pubsub);
    assert.deepEqual(box.messages, ['x', 'x', 'y']);
    await second();
  });

  test('a throwing listener does not keep the message from the others', async (t) => {
    const errors = t.mock.method(console, 'error', () => {});
    const box = inbox();
    const stopBad = await pubsub.subscribe('faulty', () => {
      throw new Error('listener bug');
    });
    const stopGood = await pubsub.subscribe('faulty', box.listener);
    await pubsub.publish('faulty', 'still delivered');
    await box.waitFor(1);
    assert.equal(errors.mock.callCount(), 1);
    await stopBad();
    await stopGood();
  });

  test('ping', async () => {
    await pubsub.ping();
  });
}

describe('memory pub/sub', () => {
  pubsubContract(async () => new MemoryPubSub());

  test('delivery is asynchronous, as through a broker', async () => {
    const pubsub = new MemoryPubSub();
    const box = inbox();
    await pubsub.subscribe('async', box.listener);
    await pubsub.publish('async', 'later');
    assert.deepEqual(box.messages, []);
    await box.waitFor(1);
    await pubsub.close();
  });

  test('a listener that leaves before delivery does not get the message', async () => {
    const pubsub = new MemoryPubSub();
    const box = inbox();
    const stop = await pubsub.subscribe('late', box.listener);
    await pubsub.publish('late', 'x');
    await stop();
    await settle(pubsub);
    assert.deepEqual(box.messages, []);
    await pubsub.close();
  });
});

describe('redis pub/sub', { skip: REDIS_URL ? false : 'REDIS_URL is not set' }, () => {
  const prefix = `test:pubsub:${randomUUID()}:`;
  const subscriberName = `test-subscriber-${randomUUID()}`;
  let raw: Redis;
  before(() => {
    raw = createRedis(REDIS_URL!);
  });
  after(async () => {
    await closeRedis(raw);
  });

  const open = async () => new RedisPubSub(createRedis(REDIS_URL!), createRedis(REDIS_URL!, { name: subscriberName }), { prefix });
  pubsubContract(open);

  const subscribers = async (channel: string) => {
    const reply = (await raw.call('PUBSUB', 'NUMSUB', prefix + channel)) as [string, number];
    return Number(reply[1]);
  };

  test('listeners of one channel share one SUBSCRIBE, dropped with the last listener', async () => {
    const pubsub = await open();
    const stopA = await pubsub.subscribe('count', () => {});
    const stopB = await pubsub.subscribe('count', () => {});
    assert.equal(await subscribers('count'), 1);
    await stopA();
    assert.equal(await subscribers('count'), 1);
    await stopB();
    await until(async () => (await subscribers('count')) === 0, 'the SUBSCRIBE to be dropped');
    await pubsub.close();
  });

  test('a subscription survives its connection being killed', async () => {
    const pubsub = await open();
    const box = inbox();
    await pubsub.subscribe('resilient', box.listener);
    const clients = (await raw.call('CLIENT', 'LIST')) as string;
    const line = clients.split('\n').find((entry) => entry.includes(`name=${subscriberName}`) && entry.includes('sub=1'));
    assert.ok(line, 'the subscriber connection is listed');
    const id = /\bid=(\d+)/.exec(line)![1];
    await raw.call('CLIENT', 'KILL', 'ID', id);
    const deadline = Date.now() + 5000;
    while ((await subscribers('resilient')) < 1) {
      assert.ok(Date.now() < deadline, 'resubscribed after reconnecting');
      await sleep(20);
    }
    await pubsub.publish('resilient', 'after reconnect');
    await box.waitFor(1);
    await pubsub.close();
  });
});
