import type { AppContext } from '../context.ts';
import type { Account } from '../serializers/entities.ts';
import { currentGeneration, forgetRenderings, GENERATION_KEY, keepRenderings, NO_VERSION, versionKey } from './render-generation.ts';

/**
 * Rendered Account entities (the same for every viewer), kept in the shared cache until the
 * account changes: its profile, images, counts, role, suspension or move (forgetAccounts at each
 * write), or a custom emoji or a domain-wide moderation (forgetAllRenderings); a rendering made
 * before a change never outlives it (render-generation.ts's versions). An account that moved is
 * not kept: its rendering holds another account's.
 */

const key = (accountId: string) => `render:account:${accountId}`;
/** a bound on what a missed invalidation could leave shown */
const TTL_SECONDS = 24 * 3600;

interface Entry {
  generation: string;
  /** the entry's version when its rendering began */
  version: string;
  account: Account;
}

export interface CachedAccounts {
  generation: string;
  found: Map<string, Account>;
  /** the current version of each account's entry, for those read */
  versions: Map<string, string>;
}

/** The cached renderings of these accounts still current, and the generation and versions to keep new ones with. */
export async function cachedAccounts(ctx: AppContext, ids: readonly string[]): Promise<CachedAccounts> {
  const found = new Map<string, Account>();
  const versions = new Map<string, string>();
  try {
    const [read, ...values] = await ctx.cache.getMany([GENERATION_KEY, ...ids.map(key), ...ids.map((id) => versionKey(key(id)))]);
    const generation = await currentGeneration(ctx, read ?? null);
    ids.forEach((id, i) => {
      const value = values[i];
      const version = values[ids.length + i] ?? NO_VERSION;
      versions.set(id, version);
      const entry = value ? (JSON.parse(value) as Entry) : null;
      if (entry && entry.generation === generation && entry.version === version) found.set(id, entry.account);
    });
    return { generation, found, versions };
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read cached account renderings');
    return { generation: '', found, versions: new Map() };
  }
}

/** Keeps freshly rendered accounts (not those that moved) whose version was read in `cached`; a cache that cannot take them only costs a reload. */
export async function keepAccounts(ctx: AppContext, cached: CachedAccounts, rendered: readonly { account: Account; moved: boolean }[]): Promise<void> {
  const { generation, versions } = cached;
  if (!generation) return;
  const entries = rendered.flatMap(({ account, moved }): [string, string][] => {
    const version = versions.get(account.id);
    return moved || version === undefined ? [] : [[key(account.id), JSON.stringify({ generation, version, account } satisfies Entry)]];
  });
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
