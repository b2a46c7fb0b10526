import type { AppContext } from '../../context.ts';

/** Runs `work` on every item, at most `concurrency` at a time. */
export async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** The storage keys a set of rows names, without blanks or repeats. */
export function keysOf(rows: readonly Record<string, unknown>[]): string[] {
  const keys = rows.flatMap((row) => Object.values(row)).filter((value): value is string => typeof value === 'string' && value !== '');
  return [...new Set(keys)];
}

/**
 * Removes files whose rows are already gone or no longer name them (called after the transaction
 * committed, never before: a rolled-back change keeps its files). A file that cannot be removed is
 * logged and left, for `subspace media remove-orphans`: whatever the admin or member did has
 * happened, and does not fail for it. Returns how many were removed.
 */
export async function removeStoredFiles(ctx: AppContext, keys: readonly string[], options: { concurrency?: number; reason?: string } = {}): Promise<number> {
  let removed = 0;
  await eachLimited(keys, options.concurrency ?? 5, async (key) => {
    try {
      await ctx.storage.delete(key);
      removed++;
    } catch (error) {
      ctx.log.warn({ err: error, key, reason: options.reason }, 'could not remove a stored file; subspace media remove-orphans will find it');
    }
  });
  return removed;
}
