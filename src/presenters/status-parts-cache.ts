import type { AppContext } from '../context.ts';
import type { StatusParts, StatusRow } from '../serializers/status.ts';

/**
 * The rendered parts of statuses that are the same for every viewer and do not change with the
 * status row's counters (mentions, tags, application, card), kept in the shared cache (Redis in
 * server mode, so that a change made in one process is seen by all) as Mastodon keeps rendered
 * statuses. An entry holds the edit it was rendered from, so an edit replaces it on sight; the
 * events that change it without an edit (a card attached or dropped, a delete) forget it.
 */

const key = (statusId: string) => `render:status:${statusId}`;
/** a bound on what a missed invalidation could leave shown */
const TTL_SECONDS = 24 * 3600;

interface Entry {
  /** the status's editedAt (ms) when rendered, 0 for never edited */
  edit: number;
  parts: StatusParts;
}

const editOf = (status: Pick<StatusRow, 'editedAt'>) => status.editedAt?.getTime() ?? 0;

/** The cached parts of these statuses still current, by id; a cache that cannot answer finds none. */
export async function cachedStatusParts(ctx: AppContext, statusIds: readonly string[]): Promise<Map<string, Entry>> {
  const found = new Map<string, Entry>();
  if (statusIds.length === 0) return found;
  try {
    const values = await ctx.cache.getMany(statusIds.map(key));
    values.forEach((value, i) => {
      if (value !== null) found.set(statusIds[i]!, JSON.parse(value) as Entry);
    });
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read cached status renderings');
  }
  return found;
}

/** The entry's parts when it was rendered from this edit of the status. */
export function currentParts(entry: Entry | undefined, status: StatusRow): StatusParts | undefined {
  return entry && entry.edit === editOf(status) ? entry.parts : undefined;
}

/** Keeps freshly rendered parts; a cache that cannot take them only costs the next page a reload. */
export async function keepStatusParts(ctx: AppContext, rendered: readonly { status: StatusRow; parts: StatusParts }[]): Promise<void> {
  if (rendered.length === 0) return;
  try {
    await Promise.all(rendered.map(({ status, parts }) => ctx.cache.set(key(status.id), JSON.stringify({ edit: editOf(status), parts } satisfies Entry), TTL_SECONDS)));
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not cache status renderings');
  }
}

/** Forgets the cached parts of these statuses (edited, deleted, their card attached or dropped). */
export async function forgetStatusParts(ctx: Pick<AppContext, 'cache' | 'log'>, statusIds: readonly string[]): Promise<void> {
  try {
    await Promise.all(statusIds.map((id) => ctx.cache.del(key(id))));
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not forget cached status renderings');
  }
}
