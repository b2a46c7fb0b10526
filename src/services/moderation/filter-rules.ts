import { and, asc, count, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { customFilterKeywords, customFilterStatuses, customFilters } from '../../db/schema.ts';
import type { CustomFilterRow } from '../../lib/filter-matching.ts';
import type { FilterKeywordRow } from '../../serializers/filter.ts';
import type { FilterStatusRow } from '../../db/schema.ts';

export type { FilterStatusRow };

// The keywords and statuses of a member's filters, as the v1 and v2 filter APIs read and change them
// one by one (src/services/moderation/filter-admin.ts handles whole filters).

/** The member's filters, oldest first. */
export async function filtersOf(ctx: AppContext, accountId: string): Promise<CustomFilterRow[]> {
  return ctx.db.select().from(customFilters).where(eq(customFilters.accountId, accountId)).orderBy(asc(customFilters.id));
}

/** Every keyword of the member's filters with its filter, oldest keyword first (the v1 API's filters). */
export async function keywordsWithFilters(ctx: AppContext, accountId: string): Promise<{ keyword: FilterKeywordRow; filter: CustomFilterRow }[]> {
  return ctx.db
    .select({ keyword: customFilterKeywords, filter: customFilters })
    .from(customFilterKeywords)
    .innerJoin(customFilters, eq(customFilters.id, customFilterKeywords.customFilterId))
    .where(eq(customFilters.accountId, accountId))
    .orderBy(asc(customFilterKeywords.id));
}

/** One of the member's keywords with its filter; undefined when the member has none with that id. */
export async function ownKeyword(ctx: AppContext, accountId: string, id: string): Promise<{ keyword: FilterKeywordRow; filter: CustomFilterRow } | undefined> {
  const [row] = await ctx.db
    .select({ keyword: customFilterKeywords, filter: customFilters })
    .from(customFilterKeywords)
    .innerJoin(customFilters, eq(customFilters.id, customFilterKeywords.customFilterId))
    .where(and(eq(customFilterKeywords.id, id), eq(customFilters.accountId, accountId)));
  return row;
}

/** A filter's keywords, oldest first. */
export async function keywordsOf(ctx: AppContext, filterId: string): Promise<FilterKeywordRow[]> {
  return ctx.db.select().from(customFilterKeywords).where(eq(customFilterKeywords.customFilterId, filterId)).orderBy(asc(customFilterKeywords.id));
}

export async function keywordCount(ctx: AppContext, filterId: string): Promise<number> {
  const [{ value }] = (await ctx.db.select({ value: count() }).from(customFilterKeywords).where(eq(customFilterKeywords.customFilterId, filterId))) as [{ value: number }];
  return Number(value);
}

export async function addKeyword(ctx: AppContext, filterId: string, keyword: string, wholeWord: boolean): Promise<FilterKeywordRow> {
  const [row] = await ctx.db.insert(customFilterKeywords).values({ customFilterId: filterId, keyword, wholeWord }).returning();
  return row!;
}

/** Changes a keyword (nothing to change: the keyword as it is). */
export async function updateKeyword(ctx: AppContext, keyword: FilterKeywordRow, changes: { keyword?: string; wholeWord?: boolean }): Promise<FilterKeywordRow> {
  if (Object.keys(changes).length === 0) return keyword;
  const [updated] = await ctx.db.update(customFilterKeywords).set(changes).where(eq(customFilterKeywords.id, keyword.id)).returning();
  return updated!;
}

export async function deleteKeyword(ctx: AppContext, id: string): Promise<void> {
  await ctx.db.delete(customFilterKeywords).where(eq(customFilterKeywords.id, id));
}

/** One of the member's filtered statuses; undefined when the member has none with that id. */
export async function ownFilterStatus(ctx: AppContext, accountId: string, id: string): Promise<FilterStatusRow | undefined> {
  const [row] = await ctx.db
    .select({ status: customFilterStatuses })
    .from(customFilterStatuses)
    .innerJoin(customFilters, eq(customFilters.id, customFilterStatuses.customFilterId))
    .where(and(eq(customFilterStatuses.id, id), eq(customFilters.accountId, accountId)));
  return row?.status;
}

/** A filter's statuses, oldest first. */
export async function filterStatusesOf(ctx: AppContext, filterId: string): Promise<FilterStatusRow[]> {
  return ctx.db.select().from(customFilterStatuses).where(eq(customFilterStatuses.customFilterId, filterId)).orderBy(asc(customFilterStatuses.id));
}

/** Adds a status to a filter; undefined when the filter already holds it. */
export async function addFilterStatus(ctx: AppContext, filterId: string, statusId: string): Promise<FilterStatusRow | undefined> {
  const [row] = await ctx.db.insert(customFilterStatuses).values({ customFilterId: filterId, statusId }).onConflictDoNothing().returning();
  return row;
}

export async function deleteFilterStatus(ctx: AppContext, id: string): Promise<void> {
  await ctx.db.delete(customFilterStatuses).where(eq(customFilterStatuses.id, id));
}
