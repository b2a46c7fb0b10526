import type { AppContext } from '../context.ts';
import type { Account } from '../serializers/entities.ts';
import { currentGeneration, forgetRenderings, GENERATION_KEY, keepRenderings } from './render-generation.ts';

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

/** The cached renderings of these accounts still current, and the generation to keep new ones in. */
export async function cachedAccounts(ctx: AppContext, ids: readonly string[]): Promise<{ generation: string; found: Map<string, Account> }> {
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

/** Keeps freshly rendered accounts (not those that moved); a cache that cannot take them only costs a reload. */
export async function keepAccounts(ctx: AppContext, generation: string, rendered: readonly { account: Account; moved: boolean }[]): Promise<void> {
  if (!generation) return;
  const entries = rendered.flatMap(({ account, moved }): [string, string][] => (moved ? [] : [[key(account.id), JSON.stringify({ generation, account } satisfies Entry)]]));
  await keepRenderings(ctx, entries, TTL_SECONDS, 'account');
}

/** Forgets the cached renderings of these accounts (their profile, images, counts, role, moderation or move changed). */
export async function forgetAccounts(ctx: Pick<AppContext, 'cache' | 'log'>, accountIds: readonly (string | null | undefined)[]): Promise<void> {
  await forgetRenderings(
    ctx,
    accountIds.flatMap((id) => (id ? [key(id)] : [])),
    'account',
  );
}
