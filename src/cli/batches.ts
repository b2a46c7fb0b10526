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

/**
 * Runs `work` on each argument in turn, as tootctl's list commands do: `work` resolves why it skipped
 * one (already there, not there…), or nothing when it did it; a refused value (an ApiError) is skipped
 * too. Prints `summary` and the skips (on stderr), and exits 1 when nothing was done.
 */
export async function forEachArgument(values: string[], summary: (done: number, skipped: number) => string, work: (value: string) => Promise<string | undefined>) {
  const { ApiError } = await import('../lib/errors.ts');
  let done = 0;
  const skipped: string[] = [];
  for (const value of values) {
    try {
      const skip = await work(value);
      if (skip === undefined) done++;
      else skipped.push(skip);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      skipped.push(`${value}: ${error.message}`);
    }
  }
  const stdout = `${summary(done, skipped.length)}\n`;
  return { stdout, stderr: skipped.map((line) => `${line}\n`).join(''), exitCode: done === 0 ? 1 : 0 };
}
