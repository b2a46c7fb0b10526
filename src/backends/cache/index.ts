/** A small key/value cache with expiry: in-process (embedded) or Redis (server). */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** the values of `keys`, in order, null where absent */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** `ttlSeconds` omitted: kept until deleted */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** sets only if absent; true when this call set it (a lock or a once-only marker) */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** restarts the expiry of `key` if it still holds `value` (a lease renewed by its holder); true when it did */
  renewIfHeld(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** deletes `key` if it still holds `value` (a lease released by its holder); true when it did */
  deleteIfHeld(key: string, value: string): Promise<boolean>;
  del(key: string): Promise<void>;
  /** removes every key (tootctl cache clear); resolves how many there were */
  clear(): Promise<number>;
  /** increments a counter, starting its expiry on the first increment; returns the new value */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** seconds until `key` expires, or -1 without expiry, -2 when absent */
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
  /** the server's version and memory use (Redis's INFO), when the cache is a server */
  serverInfo?(): Promise<{ version: string; usedMemory: number }>;
  close(): Promise<void>;
}
