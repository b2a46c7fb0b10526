import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.ts';
import journal from '../db/migrations/meta/_journal.json' with { type: 'json' };

/**
 * The shape of the cached renderings: an upgrade whose serializers render differently must not
 * be answered from what the version before it kept in the shared cache (Redis outlives a deploy).
 * The newest migration's tag stands for the version; bump RENDERING_REVISION when a serializer's
 * output changes without a migration.
 */
const RENDERING_REVISION = 1;
const RENDERING_FORMAT = `${journal.entries.at(-1)?.tag ?? 'none'}.${RENDERING_REVISION}`;

/**
 * A marker every cached rendering (statuses, accounts) holds: changing it forgets them all at once,
 * for the rare changes that touch renderings that cannot be listed (a custom emoji added, changed
 * or removed; a domain suspended or silenced). Never reset to an old value: when absent (evicted,
 * flushed, or the first start of a new rendering format) a fresh one is made.
 */
export const GENERATION_KEY = `render:generation:${RENDERING_FORMAT}`;
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

/**
 * Each cached rendering's key has a version beside it (`<key>:v`), which forgetting it increments.
 * A reader reads the version with the entry, and keeps what it renders tagged with the version it
 * read; an entry counts only while its tag is the current version. So a rendering made from rows
 * read before a change, and kept after that change forgot the entry, is never served (a card
 * attached, a vote, a profile change racing a page being rendered). The versions outlive the entries.
 */
const VERSION_TTL_SECONDS = 3 * 24 * 3600;
export const versionKey = (key: string) => `${key}:v`;
/** the version of a key never forgotten (or forgotten longer ago than its version lives) */
export const NO_VERSION = '0';

/** Keeps rendered entries (key → JSON value); a cache that cannot take them only costs a reload. */
export async function keepRenderings(ctx: Pick<AppContext, 'cache' | 'log'>, entries: readonly [key: string, value: string][], ttlSeconds: number, what: string): Promise<void> {
  try {
    await Promise.all(entries.map(([key, value]) => ctx.cache.set(key, value, ttlSeconds)));
  } catch (error) {
    ctx.log.warn({ err: error }, `could not cache ${what} renderings`);
  }
}

/** Forgets the cached renderings under these keys: their versions move on, then the entries go. */
export async function forgetRenderings(ctx: Pick<AppContext, 'cache' | 'log'>, keys: readonly string[], what: string): Promise<void> {
  try {
    const bumped = await Promise.allSettled(keys.map((key) => ctx.cache.incr(versionKey(key), VERSION_TTL_SECONDS)));
    await Promise.all(keys.map((key) => ctx.cache.del(key)));
    for (const result of bumped) if (result.status === 'rejected') throw result.reason;
  } catch (error) {
    ctx.log.warn({ err: error }, `could not forget cached ${what} renderings`);
  }
}
