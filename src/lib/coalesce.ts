/**
 * Coalesces single-key lookups made in the same tick into one batched load: `lookup(key)` queues
 * the key, and once the current tick's callers have all asked, `load` runs once (per `maxBatch`
 * keys) for every distinct key. A failed load rejects the lookups it was for.
 */
export function coalescePerTick<K, V>(load: (keys: K[]) => Promise<Map<K, V>>, maxBatch = 500): (key: K) => Promise<V | undefined> {
  let queued: Map<K, { resolve(value: V | undefined): void; reject(error: unknown): void }[]> | undefined;

  async function flush(batch: NonNullable<typeof queued>) {
    const keys = [...batch.keys()];
    for (let start = 0; start < keys.length; start += maxBatch) {
      const slice = keys.slice(start, start + maxBatch);
      try {
        const found = await load(slice);
        for (const key of slice) for (const waiter of batch.get(key)!) waiter.resolve(found.get(key));
      } catch (error) {
        for (const key of slice) for (const waiter of batch.get(key)!) waiter.reject(error);
      }
    }
  }

  return (key) =>
    new Promise((resolve, reject) => {
      if (!queued) {
        const batch = new Map();
        queued = batch;
        setImmediate(() => {
          queued = undefined;
          void flush(batch);
        });
      }
      const waiters = queued.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else queued.set(key, [{ resolve, reject }]);
    });
}
