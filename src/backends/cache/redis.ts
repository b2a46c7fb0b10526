import { closeRedis, REDIS_WAIT_MS, whenConnected, type Redis } from '../redis.ts';
import type { Cache } from './index.ts';

// Sets the expiry whenever the counter has none, so a counter can never outlive its window.
const INCR_WITH_EXPIRY = `
local value = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return value`;

// Compare-and-set: only the holder of a lease (the value it set) may renew or release it.
const RENEW_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const DELETE_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface PendingRead {
  keys: string[];
  resolve(values: (string | null)[]): void;
  reject(error: unknown): void;
}

/**
 * The server cache on Redis; it owns `client` and quits it on close. While Redis is away a call
 * waits for it at most `waitMs`, then fails with a RedisUnavailableError.
 */
export class RedisCache implements Cache {
  #client: Redis;
  #prefix: string;
  #waitMs: number;

  constructor(client: Redis, options: { prefix?: string; waitMs?: number } = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? 'cache:';
    this.#waitMs = options.waitMs ?? REDIS_WAIT_MS;
  }

  #run<T>(work: (client: Redis) => Promise<T>, waitMs = this.#waitMs): Promise<T> {
    return whenConnected(this.#client, waitMs, () => work(this.#client));
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  async get(key: string): Promise<string | null> {
    return this.#run((client) => client.get(this.#key(key)));
  }

  /**
   * Reads issued in the same turn of the event loop (a page's filters, statuses' parts and authors)
   * go out as one MGET: one write and one reply instead of one each.
   */
  getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    let batch = this.#pendingReads;
    if (!batch) {
      const pending: PendingRead[] = [];
      batch = this.#pendingReads = pending;
      process.nextTick(() => {
        this.#pendingReads = undefined;
        this.#readBatch(pending);
      });
    }
    return new Promise((resolve, reject) => batch.push({ keys, resolve, reject }));
  }

  #pendingReads: PendingRead[] | undefined;

  #readBatch(batch: PendingRead[]): void {
    const keys = batch.flatMap((read) => read.keys.map((key) => this.#key(key)));
    this.#run((client) => client.mget(keys)).then(
      (values) => {
        let offset = 0;
        for (const read of batch) {
          read.resolve(values.slice(offset, offset + read.keys.length));
          offset += read.keys.length;
        }
      },
      (error: unknown) => {
        for (const read of batch) read.reject(error);
      },
    );
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.#run((client) => (ttlSeconds === undefined ? client.set(this.#key(key), value) : client.set(this.#key(key), value, 'EX', ttlSeconds)));
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.#run((client) => client.set(this.#key(key), value, 'EX', ttlSeconds, 'NX'))) === 'OK';
  }

  async renewIfHeld(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return Number(await this.#run((client) => client.eval(RENEW_IF_HELD, 1, this.#key(key), value, ttlSeconds))) === 1;
  }

  async deleteIfHeld(key: string, value: string): Promise<boolean> {
    return Number(await this.#run((client) => client.eval(DELETE_IF_HELD, 1, this.#key(key), value))) === 1;
  }

  async del(key: string): Promise<void> {
    await this.#run((client) => client.del(this.#key(key)));
  }

  /** Every key under the cache's prefix, found with SCAN (never KEYS, which blocks the server) and unlinked a page at a time. */
  async clear(): Promise<number> {
    return this.#run(async (client) => {
      let cursor = '0';
      let removed = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${this.#prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) removed += await client.unlink(...keys);
      } while (cursor !== '0');
      return removed;
    });
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    return Number(await this.#run((client) => client.eval(INCR_WITH_EXPIRY, 1, this.#key(key), ttlSeconds)));
  }

  async ttl(key: string): Promise<number> {
    return this.#run((client) => client.ttl(this.#key(key)));
  }

  /** waits at most 2 s: a health check must answer quickly */
  async ping(): Promise<void> {
    await this.#run((client) => client.ping(), 2000);
  }

  async serverInfo(): Promise<{ version: string; usedMemory: number }> {
    const info = await this.#run((client) => client.info(), 2000);
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
    return { version: field('redis_version'), usedMemory: Number(field('used_memory')) || 0 };
  }

  async close(): Promise<void> {
    await closeRedis(this.#client);
  }
}
