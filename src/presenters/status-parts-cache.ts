import type { AppContext } from '../context.ts';
import type { StatusParts, StatusRow } from '../serializers/status.ts';
import { currentGeneration, forgetRenderings, GENERATION_KEY, keepRenderings, NO_VERSION, versionKey } from './render-generation.ts';

/**
 * The rendered parts of statuses that are the same for every viewer and do not change with the
 * status row's counters (mentions, tags, application, card, media, poll, custom emoji), kept in the
 * shared cache (Redis in server mode, so that a change made in one process is seen by all) as
 * Mastodon keeps rendered statuses. An entry holds the edit it was rendered from, so an edit
 * replaces it on sight; the events that change it without an edit (a card attached or dropped, a
 * vote, remote media cached, a delete) forget it; a custom emoji change forgets all
 * (render-generation.ts, which also keeps a rendering made before a change from outliving it).
 */

const key = (statusId: string) => `render:status:${statusId}`;
/** a bound on what a missed invalidation could leave shown */
const TTL_SECONDS = 24 * 3600;

interface Entry {
  /** the status's editedAt (ms) when rendered, 0 for never edited */
  edit: number;
  generation: string;
  /** the entry's version when its rendering began */
  version: string;
  parts: StatusParts;
}

const editOf = (status: Pick<StatusRow, 'editedAt'>) => status.editedAt?.getTime() ?? 0;

export interface CachedStatusParts {
  generation: string;
  entries: Map<string, Entry>;
  /** the current version of each status's entry, for those read */
  versions: Map<string, string>;
}

/** The cached parts of these statuses, by id, and the generation and versions they must hold; a cache that cannot answer finds none. */
export async function cachedStatusParts(ctx: AppContext, statusIds: readonly string[]): Promise<CachedStatusParts> {
  const entries = new Map<string, Entry>();
  const versions = new Map<string, string>();
  try {
    const [generation, ...values] = await ctx.cache.getMany([GENERATION_KEY, ...statusIds.map(key), ...statusIds.map((id) => versionKey(key(id)))]);
    statusIds.forEach((id, i) => {
      const value = values[i];
      if (value) entries.set(id, JSON.parse(value) as Entry);
      versions.set(id, values[statusIds.length + i] ?? NO_VERSION);
    });
    return { generation: await currentGeneration(ctx, generation ?? null), entries, versions };
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read cached status renderings');
    return { generation: '', entries, versions: new Map() };
  }
}

/** The entry's parts when it was rendered from this edit of the status, in this generation, and not forgotten since. */
export function currentParts(cached: CachedStatusParts, status: StatusRow): StatusParts | undefined {
  const entry = cached.entries.get(status.id);
  const current = entry && cached.generation && entry.generation === cached.generation && entry.version === cached.versions.get(status.id) && entry.edit === editOf(status);
  return current ? entry.parts : undefined;
}

/** Keeps freshly rendered parts of statuses whose version was read in `cached`; a cache that cannot take them only costs the next page a reload. */
export async function keepStatusParts(ctx: AppContext, cached: CachedStatusParts, rendered: readonly { status: StatusRow; parts: StatusParts }[]): Promise<void> {
  const { generation, versions } = cached;
  if (!generation) return;
  const entries = rendered.flatMap(({ status, parts }): [string, string][] => {
    const version = versions.get(status.id);
    return version === undefined ? [] : [[key(status.id), JSON.stringify({ edit: editOf(status), generation, version, parts } satisfies Entry)]];
  });
  await keepRenderings(ctx, entries, TTL_SECONDS, 'status');
}

/** Forgets the cached parts of these statuses (edited, deleted, voted on, their card or media changed). */
export async function forgetStatusParts(ctx: Pick<AppContext, 'cache' | 'log'>, statusIds: readonly (string | null | undefined)[]): Promise<void> {
  await forgetRenderings(
    ctx,
    statusIds.flatMap((id) => (id ? [key(id)] : [])),
    'status',
  );
}
