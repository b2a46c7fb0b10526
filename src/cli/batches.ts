import type { Progress } from './progress.ts';
import { UsageError } from './usage-error.ts';

/*
 * What the long maintenance commands share: they walk rows in id order a batch at a time (stopped
 * half-way, a second run does what is left), count on a progress bar, and say how many in words.
 */

export const BATCH = 100;

/** Walks batches from `next(afterId)` until one comes back empty, `work` on each item `concurrency` at a time. */
export async function walkBatches<T extends { id: string }>(next: (afterId: string | undefined) => Promise<T[]>, concurrency: number, work: (item: T) => Promise<void>, progress: Progress) {
  // imported here: the commands that parse with this module's helpers load no service until they run
  const { eachLimited } = await import('../services/media/stored-files.ts');
  let afterId: string | undefined;
  for (;;) {
    const batch = await next(afterId);
    if (batch.length === 0) return;
    await eachLimited(batch, concurrency, async (item) => {
      await work(item);
      progress.increment();
    });
    afterId = batch.at(-1)!.id;
  }
}

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** `--name N`: a positive whole number, or `fallback` when not given. */
export function positiveInteger(value: string | undefined, name: string, text: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive whole number`, text);
  return Number(value);
}
