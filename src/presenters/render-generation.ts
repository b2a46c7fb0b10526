import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.ts';

/**
 * A marker every cached rendering (statuses, accounts) holds: changing it forgets them all at once,
 * for the rare changes that touch renderings that cannot be listed (a custom emoji added, changed
 * or removed; a domain suspended or silenced). Never reset to an old value: when absent (evicted,
 * flushed) a fresh one is made.
 */
export const GENERATION_KEY = 'render:generation';
const GENERATION_TTL_SECONDS = 30 * 24 * 3600;

/** The current marker, given the value read with the renderings (null when absent). */
export async function currentGeneration(ctx: Pick<AppContext, 'cache'>, read: string | null): Promise<string> {
  if (read !== null) return read;
  const fresh = randomUUID();
  if (await ctx.cache.setIfAbsent(GENERATION_KEY, fresh, GENERATION_TTL_SECONDS)) return fresh;
  return (await ctx.cache.get(GENERATION_KEY)) ?? fresh;
}

/** Forgets every cached rendering of statuses and accounts. */
export async function forgetAllRenderings(ctx: Pick<AppContext, 'cache' | 'log'>): Promise<void> {
  try {
    await ctx.cache.set(GENERATION_KEY, randomUUID(), GENERATION_TTL_SECONDS);
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not forget cached renderings');
  }
}
