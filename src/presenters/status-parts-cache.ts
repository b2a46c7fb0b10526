import type { AppContext } from '../context.ts';
import type { StatusParts, StatusRow } from '../serializers/status.ts';
import { currentGeneration, forgetRenderings, GENERATION_KEY, keepRenderings } from './render-generation.ts';

/**
 * The rendered parts of statuses that are the same for every viewer and do not change with the
 * status row's counters (mentions, tags, application, card, media, poll, custom emoji), kept in the
 * shared cache (Redis in server mode, so that a change made in one process is seen by all) as
 * Mastodon keeps rendered statuses. An entry holds the edit it was rendered from, so an edit
 * replaces it on sight; the events that change it without an edit (a card attached or dropped, a
 * vote, remote media cached, a delete) forget it; a custom emoji change forgets all
 * (render-generation.ts).
 */

const key = (statusId: string) => `render:status:${statusId}`;
/** a bound on what a missed invalidation could leave shown */
const TTL_SECONDS = 24 * 3600;

interface Entry {
  /** the status's editedAt (ms) when rendered, 0 for never edited */
  edit: number;
  generation: string;
  parts: StatusParts;
}

const editOf = (status: Pick<StatusRow, 'editedAt'>) => status.editedAt?.getTime() ?? 0;

export interface CachedStatusParts {
  generation: string;
  entries: Map<string, Entry>;
}

/** The cached parts of these statuses, by id, and the generation they must hold; a cache that cannot answer finds none. */
export async function cachedStatusParts(ctx: AppContext, statusIds: readonly string[]): Promise<CachedStatusParts> {
  const entries = new Map<string, Entry>();
  try {
    const [generation, ...values] = await ctx.cache.getMany([GENERATION_KEY, ...statusIds.map(key)]);
    values.forEach((value, i) => {
      if (value !== null) entries.set(statusIds[i]!, JSON.parse(value) as Entry);
    });
    return { generation: await currentGeneration(ctx, generation ?? null), entries };
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read cached status renderings');
    return { generation: '', entries };
  }
}

/** The entry's parts when it was rendered from this edit of the status, in this generation. */
export function currentParts(cached: CachedStatusParts, status: StatusRow): StatusParts | undefined {
  const entry = cached.entries.get(status.id);
  return entry && cached.generation && entry.generation === cached.generation && entry.edit === editOf(status) ? entry.parts : undefined;
}

/** Keeps freshly rendered parts; a cache that cannot take them only costs the next page a reload. */
export async function keepStatusParts(ctx: AppContext, generation: string, rendered: readonly { status: StatusRow; parts: StatusParts }[]): Promise<void> {
  if (!generation) return;
  const entries = rendered.map(({ status, parts }): [string, string] => [key(status.id), JSON.stringify({ edit: editOf(status), generation, parts } satisfies Entry)]);
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
