import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { KvStore } from '@fedify/fedify';
import { Temporal } from '@js-temporal/polyfill';
import type { Cache } from '../../src/backends/cache/index.ts';
import { MemoryCache } from '../../src/backends/cache/memory.ts';
import { RedisCache } from '../../src/backends/cache/redis.ts';
import { createRedis } from '../../src/backends/redis.ts';
import { CacheKvStore } from '../../src/federation/kv-store.ts';

function kvContract(open: () => Cache) {
  let cache: Cache;
  let kv: CacheKvStore;
  before(() => {
    cache = open();
    kv = new CacheKvStore(cache);
  });
  after(() => cache.close());

  test('stores JSON values under array keys, and deletes them', async () => {
    assert.equal(await kv.get(['_fedify', 'missing']), undefined);
    const document = { '@context': 'https://www.w3.org/ns/activitystreams', id: 'https://example.com/x', n: 1, list: [true, null] };
    await kv.set(['_fedify', 'remoteDocument', 'https://example.com/x'], document);
    assert.deepEqual(await kv.get(['_fedify', 'remoteDocument', 'https://example.com/x']), document);
    await kv.set(['_fedify', 'flag'], true);
    assert.equal(await kv.get(['_fedify', 'flag']), true);
    await kv.delete(['_fedify', 'flag']);
    assert.equal(await kv.get(['_fedify', 'flag']), undefined);
  });

  test('keeps keys apart that would join to the same string', async () => {
    await kv.set(['a', 'b'], 'two parts');
    await kv.set(['a:b'], 'one part');
    await kv.set(['a,b'], 'comma');
    assert.equal(await kv.get(['a', 'b']), 'two parts');
    assert.equal(await kv.get(['a:b']), 'one part');
    assert.equal(await kv.get(['a,b']), 'comma');
  });

  test('expires values after their Temporal TTL', async () => {
    const key = ['ttl', randomUUID()] as const;
    await kv.set(key, 'short', { ttl: Temporal.Duration.from({ seconds: 1 }) });
    assert.equal(await kv.get(key), 'short');
    await sleep(1100);
    assert.equal(await kv.get(key), undefined);

    const day = ['ttl', randomUUID()] as const;
    await kv.set(day, 'long', { ttl: Temporal.Duration.from({ days: 1 }) });
    const left = await cache.ttl(`fedify:${JSON.stringify(day)}`);
    assert.ok(left > 86_000 && left <= 86_400, `ttl ${left}`);
  });

  test('cannot list keys (Fedify lists only with compare-and-swap, which the cache lacks)', async () => {
    assert.equal((kv as KvStore).cas, undefined);
    await assert.rejects(async () => {
      for await (const _entry of kv.list(['_fedify'])) break;
    }, /cannot list/);
  });
}

describe('CacheKvStore over the memory cache', () => kvContract(() => new MemoryCache()));

describe('CacheKvStore over Redis', { skip: !process.env.REDIS_URL && 'REDIS_URL is not set' }, () =>
  kvContract(() => new RedisCache(createRedis(process.env.REDIS_URL!, { name: 'test:fedify-kv' }), { prefix: `test:${randomUUID()}:` })),
);
