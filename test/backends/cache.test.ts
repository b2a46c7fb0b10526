import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Cache } from '../../src/backends/cache/index.ts';
import { MemoryCache } from '../../src/backends/cache/memory.ts';
import { RedisCache } from '../../src/backends/cache/redis.ts';
import { closeRedis, createRedis } from '../../src/backends/redis.ts';

const REDIS_URL = process.env.REDIS_URL;

function cacheContract(open: () => Promise<Cache>) {
  let cache: Cache;
  before(async () => {
    cache = await open();
  });
  after(async () => {
    await cache.close();
  });

  test('get, set and del', async () => {
    assert.equal(await cache.get('a'), null);
    await cache.set('a', 'one');
    assert.equal(await cache.get('a'), 'one');
    await cache.set('a', 'two');
    assert.equal(await cache.get('a'), 'two');
    await cache.del('a');
    assert.equal(await cache.get('a'), null);
    await cache.del('never-set');
  });

  test('ttl: -2 when absent, -1 without expiry, seconds left otherwise', async () => {
    assert.equal(await cache.ttl('t'), -2);
    await cache.set('t', 'x');
    assert.equal(await cache.ttl('t'), -1);
    await cache.set('t', 'x', 30);
    const left = await cache.ttl('t');
    assert.ok(left > 25 && left <= 30, `ttl ${left}`);
  });

  test('an entry disappears when it expires', async () => {
    await cache.set('short', 'x', 1);
    assert.equal(await cache.get('short'), 'x');
    await sleep(1100);
    assert.equal(await cache.get('short'), null);
    assert.equal(await cache.ttl('short'), -2);
  });

  test('getMany answers in order, null where absent', async () => {
    await cache.set('many:a', '1');
    await cache.set('many:c', '3');
    assert.deepEqual(await cache.getMany(['many:a', 'many:b', 'many:c']), ['1', null, '3']);
    assert.deepEqual(await cache.getMany([]), []);
  });

  test('setIfAbsent sets only once while the key lives', async () => {
    assert.equal(await cache.setIfAbsent('lock', 'first', 30), true);
    assert.equal(await cache.setIfAbsent('lock', 'second', 30), false);
    assert.equal(await cache.get('lock'), 'first');
    assert.ok((await cache.ttl('lock')) > 0);
    await cache.del('lock');
    assert.equal(await cache.setIfAbsent('lock', 'third', 30), true);
    assert.equal(await cache.get('lock'), 'third');
  });

  test('renewIfHeld and deleteIfHeld act only for the holder of the value', async () => {
    assert.equal(await cache.setIfAbsent('lease', 'mine', 1), true);
    assert.equal(await cache.renewIfHeld('lease', 'theirs', 60), false);
    assert.equal(await cache.deleteIfHeld('lease', 'theirs'), false);
    assert.equal(await cache.renewIfHeld('lease', 'mine', 60), true);
    assert.ok((await cache.ttl('lease')) > 55);
    assert.equal(await cache.deleteIfHeld('lease', 'mine'), true);
    assert.equal(await cache.get('lease'), null);
    assert.equal(await cache.renewIfHeld('lease', 'mine', 60), false, 'a lease that is gone is not renewed');
    assert.equal(await cache.deleteIfHeld('lease', 'mine'), false);
  });

  test('incr counts and starts the expiry on the first increment', async () => {
    assert.equal(await cache.incr('hits', 1), 1);
    assert.equal(await cache.incr('hits', 100), 2);
    assert.equal(await cache.incr('hits', 100), 3);
    assert.equal(await cache.get('hits'), '3');
    // the window is the first increment's: later ones do not extend it
    assert.equal(await cache.ttl('hits'), 1);
    await sleep(1100);
    assert.equal(await cache.incr('hits', 60), 1);
    assert.ok((await cache.ttl('hits')) > 55);
  });

  test('incr gives an expiry to a counter that had none', async () => {
    await cache.set('plain', '41');
    assert.equal(await cache.incr('plain', 60), 42);
    assert.ok((await cache.ttl('plain')) > 55);
  });

  test('incr of something that is not a number fails', async () => {
    await cache.set('word', 'hello');
    await assert.rejects(cache.incr('word', 60));
  });

  test('ping', async () => {
    await cache.ping();
  });
}

describe('memory cache', () => {
  cacheContract(async () => new MemoryCache());

  test('bounded: past its size the least recently used entry goes', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', '1');
    await cache.set('b', '2');
    assert.equal(await cache.get('a'), '1');
    await cache.set('c', '3');
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('b'), null);
    assert.deepEqual(await cache.getMany(['a', 'c']), ['1', '3']);
    await cache.close();
  });

  test('bounded: a lease or a counter is never dropped for room', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    assert.equal(await cache.setIfAbsent('lock', 'me', 60), true);
    await cache.incr('hits', 60);
    await cache.set('a', '1');
    await cache.set('b', '2');
    assert.equal(await cache.get('lock'), 'me');
    assert.equal(await cache.get('hits'), '1');
    assert.equal(await cache.get('a'), null);
    await cache.close();
  });

  test('the periodic sweep drops expired entries', async () => {
    const cache = new MemoryCache({ sweepIntervalMs: 20 });
    await cache.set('gone', 'x', 0.05);
    await cache.set('kept', 'x');
    assert.equal(cache.size, 2);
    await sleep(120);
    assert.equal(cache.size, 1);
    await cache.close();
  });
});

describe('redis cache', { skip: REDIS_URL ? false : 'REDIS_URL is not set' }, () => {
  const prefix = `test:cache:${randomUUID()}:`;
  cacheContract(async () => new RedisCache(createRedis(REDIS_URL!), { prefix }));

  test('keys are kept under the prefix', async () => {
    const cache = new RedisCache(createRedis(REDIS_URL!), { prefix });
    const raw = createRedis(REDIS_URL!);
    await cache.set('visible', 'yes', 30);
    assert.equal(await raw.get(`${prefix}visible`), 'yes');
    await cache.close();
    await closeRedis(raw);
  });

  test('reads issued in the same turn go out as one MGET, each caller getting its own keys in order', async () => {
    const client = createRedis(REDIS_URL!);
    const cache = new RedisCache(client, { prefix });
    await cache.set('turn:a', '1');
    await cache.set('turn:c', '3');
    const sent: string[] = [];
    const mget = client.mget.bind(client);
    client.mget = ((...args: Parameters<typeof mget>) => {
      sent.push((args[0] as string[]).join(' '));
      return mget(...args);
    }) as typeof client.mget;
    const answers = await Promise.all([cache.getMany(['turn:a', 'turn:b']), Promise.resolve().then(() => cache.getMany(['turn:c'])), cache.getMany(['turn:b', 'turn:a', 'turn:c'])]);
    assert.deepEqual(answers, [['1', null], ['3'], [null, '1', '3']]);
    assert.equal(sent.length, 1);
    // the next turn, its own MGET
    assert.deepEqual(await cache.getMany(['turn:c']), ['3']);
    assert.equal(sent.length, 2);
    await cache.close();
  });

  test('a batch of reads that fails fails each of its callers', async () => {
    const client = createRedis(REDIS_URL!);
    const cache = new RedisCache(client, { prefix, waitMs: 200 });
    assert.deepEqual(await cache.getMany(['turn:x']), [null]);
    // a closed client fails its commands at once
    await closeRedis(client);
    const reads = [cache.getMany(['turn:x']), cache.getMany(['turn:y'])];
    for (const read of reads) await assert.rejects(read);
  });

  after(async () => {
    const raw = createRedis(REDIS_URL!);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await closeRedis(raw);
  });
});
