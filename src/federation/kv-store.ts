import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify';
import type { Cache } from '../backends/cache/index.ts';

const PREFIX = 'fedify:';

/**
 * Fedify's key–value store (remote documents, public keys, activity idempotence) on the instance's
 * cache: in memory embedded, Redis when scaled out. Keys are JSON-encoded arrays, values JSON.
 *
 * No `cas`: the Cache interface has no compare-and-swap, and Fedify only needs it to keep its
 * outbound circuit-breaker counters exact under concurrent workers. Without `cas` Fedify never
 * calls `list` either, so `list` refuses rather than pretend to scan the cache.
 */
export class CacheKvStore implements KvStore {
  #cache: Cache;

  constructor(cache: Cache) {
    this.#cache = cache;
  }

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const value = await this.#cache.get(cacheKey(key));
    return value === null ? undefined : (JSON.parse(value) as T);
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const ttlSeconds = options?.ttl === undefined ? undefined : Math.max(1, Math.ceil(options.ttl.total('second')));
    await this.#cache.set(cacheKey(key), JSON.stringify(value), ttlSeconds);
  }

  async delete(key: KvKey): Promise<void> {
    await this.#cache.del(cacheKey(key));
  }

  // biome-ignore lint/correctness/useYield: a generator only so that the refusal comes when iterated, as a failed scan's would
  async *list(_prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    throw new Error('CacheKvStore cannot list keys: the cache has no scan');
  }
}

function cacheKey(key: KvKey): string {
  return PREFIX + JSON.stringify(key);
}
