import { and, asc, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { customFilterKeywords, customFilterStatuses, customFilters } from '../db/schema.ts';
import { compileFilter, type LoadedFilter } from '../lib/filter-matching.ts';

/** Filters still in force: not expired. */
export const activeFilter = () => or(isNull(customFilters.expiresAt), gt(customFilters.expiresAt, sql`now()`));

/** Each viewer's filters in force (for `context` when given), compiled; three queries whatever the number of viewers. */
export async function loadFilters(ctx: AppContext, viewerIds: readonly string[], context?: string | null): Promise<Map<string, LoadedFilter[]>> {
  const byViewer = new Map<string, LoadedFilter[]>(viewerIds.map((id) => [id, []]));
  if (viewerIds.length === 0) return byViewer;
  const filters = await ctx.db
    .select()
    .from(customFilters)
    .where(and(inArray(customFilters.accountId, [...viewerIds]), activeFilter(), context ? sql`${context} = ANY(${customFilters.context})` : undefined))
    .orderBy(asc(customFilters.id));
  if (filters.length === 0) return byViewer;
  const ids = filters.map((f) => f.id);
  const [keywordRows, statusRows] = await Promise.all([
    ctx.db.select().from(customFilterKeywords).where(inArray(customFilterKeywords.customFilterId, ids)).orderBy(asc(customFilterKeywords.id)),
    ctx.db.select().from(customFilterStatuses).where(inArray(customFilterStatuses.customFilterId, ids)),
  ]);
  for (const filter of filters) {
    const keywords = keywordRows.filter((k) => k.customFilterId === filter.id);
    const statusIds = statusRows.filter((s) => s.customFilterId === filter.id).map((s) => s.statusId);
    byViewer.get(filter.accountId)?.push(compileFilter(filter, keywords, statusIds));
  }
  return byViewer;
}
