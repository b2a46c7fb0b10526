import type { AppContext } from '../context.ts';
import type { Account } from '../serializers/entities.ts';
import { serializeLoadedAccount } from '../serializers/account.ts';
import { loadAccountRows, withProfileEmojis } from './accounts.ts';
import { currentGeneration, GENERATION_KEY } from './render-generation.ts';

/**
 * Rendered Account entities (the same for every viewer), kept in the shared cache until the
 * account changes: its profile, images, counts, role, suspension or move (forgetAccounts at each
 * write), or a custom emoji or a domain-wide moderation (forgetAllRenderings). An account that
 * moved is not kept: its rendering holds another account's.
 */

const key = (accountId: string) => `render:account:${accountId}`;
/** a bound on what a missed invalidation could leave shown */
const TTL_SECONDS = 24 * 3600;

interface Entry {
  generation: string;
  account: Account;
}

async function cachedAccounts(ctx: AppContext, ids: readonly string[]): Promise<{ generation: string; found: Map<string, Account> }> {
  const found = new Map<string, Account>();
  try {
    const [read, ...values] = await ctx.cache.getMany([GENERATION_KEY, ...ids.map(key)]);
    const generation = await currentGeneration(ctx, read ?? null);
    values.forEach((value, i) => {
      const entry = value === null ? null : (JSON.parse(value) as Entry);
      if (entry && entry.generation === generation) found.set(ids[i]!, entry.account);
    });
    return { generation, found };
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read cached account renderings');
    return { generation: '', found };
  }
}

/** Account entities for these ids (those found), from the cache or rendered (two queries at most) and kept. */
export async function renderCachedAccounts(ctx: AppContext, ids: readonly string[]): Promise<Map<string, Account>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { generation, found } = await cachedAccounts(ctx, unique);
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length === 0) return found;
  const loaded = await withProfileEmojis(ctx, await loadAccountRows(ctx, missing));
  const kept: Promise<void>[] = [];
  for (const id of missing) {
    const account = loaded.get(id);
    if (!account) continue;
    const rendered = serializeLoadedAccount(ctx, loaded, account);
    found.set(id, rendered);
    if (generation && !account.account.movedToAccountId) kept.push(ctx.cache.set(key(id), JSON.stringify({ generation, account: rendered } satisfies Entry), TTL_SECONDS));
  }
  try {
    await Promise.all(kept);
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not cache account renderings');
  }
  return found;
}

/** Forgets the cached renderings of these accounts (their profile, images, counts, role, moderation or move changed). */
export async function forgetAccounts(ctx: Pick<AppContext, 'cache' | 'log'>, accountIds: readonly (string | null | undefined)[]): Promise<void> {
  try {
    await Promise.all(accountIds.flatMap((id) => (id ? [ctx.cache.del(key(id))] : [])));
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not forget cached account renderings');
  }
}
