import { asc, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { customFilterKeywords, customFilterStatuses, customFilters } from '../db/schema.ts';
import { compileFilter, type LoadedFilter } from '../lib/filter-matching.ts';

/** Filters still in force: not expired. */
export const activeFilter = () => or(isNull(customFilters.expiresAt), gt(customFilters.expiresAt, sql`now()`));

import type { CustomFilterRow as FilterRow } from '../db/schema.ts';

/** One viewer's filters as stored (expired ones too: expiry is checked at use), kept in ctx.cache. */
interface CachedFilter {
  filter: FilterRow;
  keywords: { keyword: string; wholeWord: boolean }[];
  statusIds: string[];
}

const key = (viewerId: string) => `render:filters:${viewerId}`;
/** a bound on what a missed invalidation could leave in force */
const TTL_SECONDS = 3600;

const revive = (filter: FilterRow): FilterRow => ({
  ...filter,
  expiresAt: filter.expiresAt ? new Date(filter.expiresAt) : null,
  createdAt: new Date(filter.createdAt),
  updatedAt: new Date(filter.updatedAt),
});

async function cachedFilters(ctx: AppContext, viewerIds: readonly string[]): Promise<Map<string, CachedFilter[]>> {
  const found = new Map<string, CachedFilter[]>();
  try {
    const values = await ctx.cache.getMany(viewerIds.map(key));
    values.forEach((value, i) => {
      if (value !== null)
        found.set(
          viewerIds[i]!,
          (JSON.parse(value) as CachedFilter[]).map((entry) => ({ ...entry, filter: revive(entry.filter) })),
        );
    });
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not read cached filters');
  }
  return found;
}

/** Every filter of these viewers, expired ones too: three queries. */
async function queryFilters(ctx: AppContext, viewerIds: readonly string[]): Promise<Map<string, CachedFilter[]>> {
  const byViewer = new Map<string, CachedFilter[]>(viewerIds.map((id) => [id, []]));
  if (viewerIds.length === 0) return byViewer;
  const filters = await ctx.db
    .select()
    .from(customFilters)
    .where(inArray(customFilters.accountId, [...viewerIds]))
    .orderBy(asc(customFilters.id));
  if (filters.length === 0) return byViewer;
  const ids = filters.map((f) => f.id);
  const [keywordRows, statusRows] = await Promise.all([
    ctx.db.select().from(customFilterKeywords).where(inArray(customFilterKeywords.customFilterId, ids)).orderBy(asc(customFilterKeywords.id)),
    ctx.db.select().from(customFilterStatuses).where(inArray(customFilterStatuses.customFilterId, ids)),
  ]);
  for (const filter of filters) {
    byViewer.get(filter.accountId)?.push({
      filter,
      keywords: keywordRows.filter((k) => k.customFilterId === filter.id).map((k) => ({ keyword: k.keyword, wholeWord: k.wholeWord })),
      statusIds: statusRows.filter((s) => s.customFilterId === filter.id).map((s) => s.statusId),
    });
  }
  return byViewer;
}

/**
 * Each viewer's filters in force (for `context` when given), compiled. Their rows are kept in the
 * shared cache until any filter, keyword or filtered status of the viewer changes
 * (forgetFilters); at most three queries for those not cached.
 */
export async function loadFilters(ctx: AppContext, viewerIds: readonly string[], context?: string | null): Promise<Map<string, LoadedFilter[]>> {
  const unique = [...new Set(viewerIds)];
  const cached = unique.length ? await cachedFilters(ctx, unique) : new Map<string, CachedFilter[]>();
  const missing = unique.filter((id) => !cached.has(id));
  if (missing.length) {
    const loaded = await queryFilters(ctx, missing);
    try {
      await Promise.all([...loaded].map(([viewerId, filters]) => ctx.cache.set(key(viewerId), JSON.stringify(filters), TTL_SECONDS)));
    } catch (error) {
      ctx.log.warn({ err: error }, 'could not cache filters');
    }
    for (const [viewerId, filters] of loaded) cached.set(viewerId, filters);
  }
  const now = Date.now();
  const inForce = ({ filter }: CachedFilter) => (!filter.expiresAt || filter.expiresAt.getTime() > now) && (!context || filter.context.includes(context));
  return new Map(unique.map((viewerId) => [viewerId, (cached.get(viewerId) ?? []).filter(inForce).map((entry) => compileFilter(entry.filter, entry.keywords, entry.statusIds))]));
}

/** Forgets the cached filters of this viewer (a filter, keyword or filtered status created, changed or deleted). */
export async function forgetFilters(ctx: Pick<AppContext, 'cache' | 'log'>, viewerId: string): Promise<void> {
  try {
    await ctx.cache.del(key(viewerId));
  } catch (error) {
    ctx.log.warn({ err: error }, 'could not forget cached filters');
  }
}
