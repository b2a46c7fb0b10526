import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * Redis databases for test instances, one each, claimed in one registry database of the server (0,
 * which no test flushes, whatever database REDIS_URL names: runs with different REDIS_URLs against
 * one server then still see each other's claims) so that test files running at the same time never
 * share one. A claim is released when its instance closes; one whose process is gone is taken over.
 */
const FIRST_DB = Number(process.env.SUBSPACE_TEST_REDIS_DB_START ?? 1);
const REGISTRY_DB = 0;
/** Redis's default `databases` */
const DATABASES = 16;
const CLAIM_PREFIX = 'subspace-test:redis-db:';
/** a backstop for claims of processes on other machines, whose liveness cannot be checked */
const CLAIM_TTL_SECONDS = 6 * 3600;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RedisDatabase {
  url: string;
  release(): Promise<void>;
}

function processGone(owner: string): boolean {
  const [host, pid] = owner.split('|');
  if (host !== hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The URL of the database holding the claims, on REDIS_URL's server. */
export function claimRegistryUrl(): string {
  const url = new URL(process.env.REDIS_URL!);
  url.pathname = `/${REGISTRY_DB}`;
  return url.toString();
}

/** Claims a free database of REDIS_URL's server, flushed, waiting up to `timeoutMs` for one to be released. */
export async function claimRedisDatabase(timeoutMs = 120_000): Promise<RedisDatabase> {
  const base = new URL(process.env.REDIS_URL!);
  const baseDb = Number(base.pathname.slice(1) || 0);
  const owner = `${hostname()}|${process.pid}|${randomUUID()}`;
  const registry = new Redis(claimRegistryUrl());
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let db = FIRST_DB; db < DATABASES; db++) {
        if (db === baseDb || db === REGISTRY_DB) continue;
        const key = `${CLAIM_PREFIX}${db}`;
        if (!(await registry.set(key, owner, 'EX', CLAIM_TTL_SECONDS, 'NX'))) {
          const holder = await registry.get(key);
          if (holder && processGone(holder)) await registry.eval(RELEASE, 1, key, holder);
          continue;
        }
        const url = new URL(base);
        url.pathname = `/${db}`;
        const redis = new Redis(url.toString());
        await redis.flushdb();
        redis.disconnect();
        return { url: url.toString(), release: () => release(claimRegistryUrl(), key, owner) };
      }
      if (Date.now() > deadline) throw new Error(`no free Redis database among ${FIRST_DB}–${DATABASES - 1} (claims: ${CLAIM_PREFIX}*)`);
      await sleep(250);
    }
  } finally {
    registry.disconnect();
  }
}

async function release(baseUrl: string, key: string, owner: string): Promise<void> {
  const registry = new Redis(baseUrl);
  try {
    await registry.eval(RELEASE, 1, key, owner);
  } finally {
    registry.disconnect();
  }
}
