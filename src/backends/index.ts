import { join } from 'node:path';
import { baseUrl, type Config } from '../config/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import type { Cache } from './cache/index.ts';
import { MemoryCache } from './cache/memory.ts';
import { DatabaseFeeds } from './feeds/database.ts';
import type { Feeds } from './feeds/index.ts';
import type { Mailer } from './mail/index.ts';
import { NodemailerMailer } from './mail/mailer.ts';
import type { PubSub } from './pubsub/index.ts';
import { MemoryPubSub } from './pubsub/memory.ts';
import { DatabaseJobQueue } from './queue/database.ts';
import type { JobQueue } from './queue/index.ts';
import { LazyJobQueue } from './queue/lazy.ts';
import type { Storage } from './storage/index.ts';
import { LocalStorage } from './storage/local.ts';
import { S3Storage } from './storage/s3.ts';
import { openTranslator, type Translator } from './translation/index.ts';

export interface Backends {
  cache: Cache;
  pubsub: PubSub;
  queue: JobQueue;
  mailer: Mailer;
  /** home and list feeds: the feed_entries table (embedded) or Redis sorted sets */
  feeds: Feeds;
  /** uploaded media: the local disk, or an S3-compatible bucket with `S3_ENABLED` */
  storage: Storage;
  /** the translation service (DeepL or LibreTranslate), when one is configured */
  translator?: Translator;
  /** closes the backends (not the database, which the caller opened) */
  close(): Promise<void>;
}

export interface BackendOptions {
  /** retry delay after failed attempt number `attempt`, in ms (tests shorten it) */
  queueBackoff?: (attempt: number) => number;
  /** BullMQ key prefix (tests isolate themselves with it) */
  bullmqPrefix?: string;
  /** how long a call waits for an unreachable Redis before failing (REDIS_WAIT_MS; tests shorten it) */
  redisWaitMs?: number;
}

/**
 * The one place that picks the drivers: Redis where the config names one, otherwise the embedded
 * drivers (memory cache and pub/sub, the job table in the database). Mail goes to SMTP when
 * configured, else to .eml files in the data dir; media to S3 with `S3_ENABLED`, else to the data
 * dir. The Redis drivers wait for a Redis that is away at most `redisWaitMs` per call, then throw a
 * RedisUnavailableError (a request answers 503). The Redis drivers (ioredis, BullMQ: ~300 modules)
 * are imported only when configured, BullMQ by the first job enqueued or worked.
 */
/** The media store the configuration names: the data dir's `media`, or the S3 bucket. */
export function openStorage(config: Config): Storage {
  return config.storage.kind === 's3' ? new S3Storage(config.storage) : new LocalStorage(join(config.dataDir, 'media'), baseUrl(config));
}

export async function openBackends(config: Config, database: DatabaseHandle, options: BackendOptions = {}): Promise<Backends> {
  const waitMs = options.redisWaitMs;
  const redisDrivers = config.cacheRedis || config.redis || config.queueRedis ? await importRedisDrivers() : undefined;
  const { createRedis, RedisCache, RedisPubSub, RedisFeeds } = redisDrivers ?? ({} as RedisDrivers);
  const cache = config.cacheRedis ? new RedisCache(createRedis(config.cacheRedis.url, { name: 'subspace:cache' }), { waitMs }) : new MemoryCache();
  const pubsub = config.redis
    ? new RedisPubSub(createRedis(config.redis.url, { name: 'subspace:publish' }), createRedis(config.redis.url, { name: 'subspace:subscribe' }), { waitMs })
    : new MemoryPubSub();
  let queue: JobQueue;
  if (config.queueRedis) {
    const queueRedis = config.queueRedis;
    queue = new LazyJobQueue(async () => {
      const { BullmqJobQueue } = await import('./queue/bullmq.ts');
      return new BullmqJobQueue(createRedis(queueRedis.url, { name: 'subspace:queue' }), {
        prefix: options.bullmqPrefix,
        backoff: options.queueBackoff,
        lockDurationMs: config.jobLockSeconds * 1000,
        stalledIntervalMs: config.jobLockSeconds * 1000,
        enqueueTimeoutMs: waitMs,
      });
    });
  } else {
    const databaseQueue = new DatabaseJobQueue(database.db, { backoff: options.queueBackoff });
    // PGlite allows a single process, so jobs still marked running were left by a previous run.
    if (database.kind === 'pglite') {
      await databaseQueue.recoverAll().catch(async (error: unknown) => {
        await Promise.allSettled([cache.close(), pubsub.close()]);
        throw error;
      });
    }
    queue = databaseQueue;
  }
  const mailer = new NodemailerMailer(config);
  const feeds = config.redis ? new RedisFeeds(createRedis(config.redis.url, { name: 'subspace:feeds' }), { waitMs }) : new DatabaseFeeds(database.db);
  const storage = openStorage(config);
  return {
    cache,
    pubsub,
    queue,
    mailer,
    feeds,
    storage,
    translator: openTranslator(config.translation),
    async close() {
      await queue.close();
      await Promise.allSettled([cache.close(), pubsub.close(), mailer.close(), feeds.close(), storage.close()]);
    },
  };
}

async function importRedisDrivers() {
  const [{ createRedis }, { RedisCache }, { RedisPubSub }, { RedisFeeds }] = await Promise.all([
    import('./redis.ts'),
    import('./cache/redis.ts'),
    import('./pubsub/redis.ts'),
    import('./feeds/redis.ts'),
  ]);
  return { createRedis, RedisCache, RedisPubSub, RedisFeeds };
}

type RedisDrivers = Awaited<ReturnType<typeof importRedisDrivers>>;
