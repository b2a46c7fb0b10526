import type { Cache } from './index.ts';

interface Entry {
  value: string;
  /** epoch ms, or undefined when kept until deleted */
  expiresAt?: number;
  /** a lease or a counter (setIfAbsent, incr): never dropped for room, only when it expires */
  held?: boolean;
}

/**
 * The embedded cache: a Map whose expired entries are dropped when read and swept every minute,
 * bounded to `maxEntries` by dropping the least recently used values (the Map's order: an entry
 * read or written moves to its end); leases and counters stay until they expire.
 */
export class MemoryCache implements Cache {
  #entries = new Map<string, Entry>();
  #sweeper: NodeJS.Timeout;
  #maxEntries: number;

  constructor(options: { sweepIntervalMs?: number; maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 20_000;
    this.#sweeper = setInterval(() => this.#sweep(), options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) return undefined;
    this.#entries.set(key, entry);
    return entry;
  }

  #store(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    for (const [oldest, { held }] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries) break;
      if (!held) this.#entries.delete(oldest);
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
    }
  }

  /** entries held, expired ones included until swept */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.#live(key)?.value ?? null);
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.#store(key, { value, expiresAt: ttlSeconds === undefined ? undefined : Date.now() + ttlSeconds * 1000 });
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#store(key, { value, expiresAt: Date.now() + ttlSeconds * 1000, held: true });
    return true;
  }

  async renewIfHeld(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key)?.value !== value) return false;
    this.#store(key, { value, expiresAt: Date.now() + ttlSeconds * 1000, held: true });
    return true;
  }

  async deleteIfHeld(key: string, value: string): Promise<boolean> {
    if (this.#live(key)?.value !== value) return false;
    this.#entries.delete(key);
    return true;
  }

  async del(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async clear(): Promise<number> {
    const count = this.#entries.size;
    this.#entries.clear();
    return count;
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const entry = this.#live(key);
    const current = entry ? Number(entry.value) : 0;
    if (!Number.isSafeInteger(current)) throw new Error('ERR value is not an integer or out of range');
    const next = current + 1;
    this.#store(key, { value: String(next), expiresAt: entry?.expiresAt ?? Date.now() + ttlSeconds * 1000, held: true });
    return next;
  }

  async ttl(key: string): Promise<number> {
    const entry = this.#live(key);
    if (!entry) return -2;
    if (entry.expiresAt === undefined) return -1;
    return Math.ceil((entry.expiresAt - Date.now()) / 1000);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }
}
