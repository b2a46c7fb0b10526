import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { claimRedisDatabase, claimRegistryUrl, type RedisDatabase } from '../helpers/redis-db.ts';

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The test helper that gives every test instance a Redis database of its own, even when test files run at once.
describe('test Redis databases', { skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set' }, () => {
  const held: RedisDatabase[] = [];
  after(async () => {
    for (const database of held) await database.release();
  });

  it('claims a different database for each caller, and a released one can be claimed again', async () => {
    const [a, b] = await Promise.all([claimRedisDatabase(), claimRedisDatabase()]);
    held.push(a!, b!);
    assert.notEqual(a!.url, b!.url);
    await a!.release();
    held.shift();
    const again = await claimRedisDatabase();
    held.push(again);
    assert.notEqual(again.url, b!.url);
  });

  it('takes over the claim of a process that is gone', async () => {
    const registry = new Redis(claimRegistryUrl());
    try {
      // claimed: by a process that still runs (a claim left by one that was killed is as good as free)
      const claims: string[] = [];
      for (const key of await registry.keys('subspace-test:redis-db:*')) {
        const [host, pid] = ((await registry.get(key)) ?? '').split('|');
        if (host !== hostname() || processRuns(Number(pid))) claims.push(key);
      }
      const free = [...Array(15).keys()].map((i) => i + 1).filter((db) => !claims.includes(`subspace-test:redis-db:${db}`) && `/${db}` !== new URL(process.env.REDIS_URL!).pathname);
      // every free database but one claimed by a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max)
      const dead = `${hostname()}|4194305|gone`;
      for (const db of free) await registry.set(`subspace-test:redis-db:${db}`, dead);
      const claimed = await claimRedisDatabase(5_000);
      held.push(claimed);
      assert.ok(free.map((db) => `/${db}`).includes(new URL(claimed.url).pathname));
      for (const db of free) {
        const key = `subspace-test:redis-db:${db}`;
        if ((await registry.get(key)) === dead) await registry.del(key);
      }
    } finally {
      registry.disconnect();
    }
  });
});
