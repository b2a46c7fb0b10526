import { inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { polls, statuses } from '../../db/schema.ts';
import { filterableText, findFilterMatches, type LoadedFilter } from '../../lib/filter-matching.ts';
import { loadFilters } from '../../presenters/filters.ts';
import type { FilterResult } from '../../serializers/entities.ts';
import { serializeFilterResult } from '../../serializers/filter.ts';
import type { StatusRow } from '../../serializers/status.ts';

export const FILTER_CONTEXTS = ['home', 'notifications', 'public', 'thread', 'account'] as const;
export type FilterContext = (typeof FILTER_CONTEXTS)[number];
export const FILTER_ACTIONS = ['warn', 'hide', 'blur'] as const;

/** Each viewer's filters in force for `context`, with their keyword patterns compiled (one query per kind, whatever the number of viewers). */
export const activeFiltersOf = (ctx: AppContext, viewerIds: string[], context?: string | null) => loadFilters(ctx, viewerIds, context);

/** The viewer's filters in force for `context`, with their keyword patterns compiled. */
export async function activeFiltersFor(ctx: AppContext, viewerId: string, context?: string | null): Promise<LoadedFilter[]> {
  return (await loadFilters(ctx, [viewerId], context)).get(viewerId) ?? [];
}

/** What loaded filters find in one status (the proper one, not a reblog wrapper), given its filterable text, as FilterResults. */
export function matchFilters(filters: LoadedFilter[], statusId: string, text: string): FilterResult[] {
  return findFilterMatches(filters, statusId, text).map(serializeFilterResult);
}

/**
 * What the viewer's filters find in these statuses (Mastodon's CustomFilter.apply_cached_filters):
 * per status id (the original's id for a reblog, as the status serializer looks it up), the
 * FilterResults to pass to `renderStatuses(…, { filtered })`. Expired filters and the viewer's own
 * statuses are left alone. Mastodon's REST API applies every filter whatever its context (clients
 * compare `filter.context` with where they show the status), so leave `context` out to match it;
 * give one to keep only filters for that context (the streaming tier does).
 */
export async function filterResultsFor(ctx: AppContext, viewerId: string | null | undefined, statusRows: StatusRow[], context?: FilterContext | string | null): Promise<Map<string, FilterResult[]>> {
  const results = new Map<string, FilterResult[]>();
  if (!viewerId || statusRows.length === 0) return results;
  const filters = await activeFiltersFor(ctx, viewerId, context);
  if (filters.length === 0) return results;

  const originalIds = [...new Set(statusRows.map((row) => row.reblogOfId).filter((id): id is string => !!id))];
  const originals = originalIds.length ? await ctx.db.select().from(statuses).where(inArray(statuses.id, originalIds)) : [];
  const byId = new Map([...statusRows, ...originals].map((row) => [row.id, row]));
  const propers = new Map<string, StatusRow>();
  for (const row of statusRows) {
    const proper = row.reblogOfId ? byId.get(row.reblogOfId) : row;
    if (proper && proper.accountId !== viewerId) propers.set(proper.id, proper);
  }
  const pollIds = [...propers.values()].map((s) => s.pollId).filter((id): id is string => !!id);
  const pollRows = pollIds.length ? await ctx.db.select({ id: polls.id, options: polls.options }).from(polls).where(inArray(polls.id, pollIds)) : [];
  const pollOptions = new Map(pollRows.map((p) => [p.id, p.options]));

  for (const status of propers.values()) {
    const found = matchFilters(filters, status.id, filterableText(status, status.pollId ? pollOptions.get(status.pollId) : null));
    if (found.length) results.set(status.id, found);
  }
  return results;
}

/** Whether any of these results comes from a filter that hides in `context`. */
export function hiddenBy(results: FilterResult[] | undefined, context: string): boolean {
  return !!results?.some((result) => result.filter.filter_action === 'hide' && result.filter.context.includes(context));
}

/**
 * Filters a page of statuses shown in `context`: drops those a `hide` filter for that context
 * catches (or whose reblogged original it catches) and returns the rest, with every filter result
 * to render in `filtered` (as Mastodon does, whatever the filters' contexts).
 */
export async function applyFilters(ctx: AppContext, viewerId: string | null | undefined, rows: StatusRow[], context: FilterContext | string) {
  const filtered = await filterResultsFor(ctx, viewerId, rows);
  const kept = rows.filter((row) => !hiddenBy(filtered.get(row.reblogOfId ?? row.id), context));
  return { rows: kept, filtered };
}
