import { and, asc, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { customFilterKeywords, customFilterStatuses, customFilters } from '../../db/schema.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { publishEvent } from '../instance/events.ts';
import { channels, publishToStream } from '../../streaming/channels.ts';
import { FILTER_ACTIONS, FILTER_CONTEXTS } from './filters.ts';
import type { CustomFilterRow } from '../../lib/filter-matching.ts';
import { rowId } from '../../lib/ids.ts';
import { forgetFilters } from '../../presenters/filters.ts';

export interface KeywordAttributes {
  id?: string;
  keyword?: string;
  wholeWord?: boolean;
  destroy?: boolean;
}

export interface FilterInput {
  title?: string;
  context?: string[];
  action?: string;
  /** seconds from now; null for never */
  expiresIn?: number | null;
  keywords?: KeywordAttributes[];
}

/** Mastodon's CustomFilter validations, in its order and words. */
function validateFilter(filter: { title: string; context: string[]; action: string }) {
  const problems: string[] = [];
  if (!filter.title.trim()) problems.push("Title can't be blank");
  if (filter.context.length === 0) problems.push("Context can't be blank");
  if (filter.context.some((c) => !(FILTER_CONTEXTS as readonly string[]).includes(c))) problems.push('Context none or invalid context supplied');
  if (!(FILTER_ACTIONS as readonly string[]).includes(filter.action)) problems.push('Action is not included in the list');
  if (problems.length) throw validationFailed(problems);
}

export function validateKeyword(keyword: string | undefined) {
  if (!keyword?.trim()) throw validationFailed(["Keyword can't be blank"]);
}

/** an expiry past ten years is clamped there (a far larger one overflows the date) */
const expiry = (expiresIn: number | null | undefined) => (expiresIn ? new Date(Date.now() + Math.min(expiresIn, 10 * 365 * 86_400) * 1000) : null);

export async function loadFilterRules(ctx: AppContext, filterIds: string[]) {
  if (filterIds.length === 0) return { keywords: [], statuses: [] };
  const [keywords, statuses] = await Promise.all([
    ctx.db.select().from(customFilterKeywords).where(inArray(customFilterKeywords.customFilterId, filterIds)).orderBy(asc(customFilterKeywords.id)),
    ctx.db.select().from(customFilterStatuses).where(inArray(customFilterStatuses.customFilterId, filterIds)).orderBy(asc(customFilterStatuses.id)),
  ]);
  return { keywords, statuses };
}

export async function findOwnFilter(ctx: AppContext, accountId: string, id: unknown) {
  const filterId = rowId(id);
  if (!filterId) throw notFound();
  const [filter] = await ctx.db
    .select()
    .from(customFilters)
    .where(and(eq(customFilters.id, filterId), eq(customFilters.accountId, accountId)));
  if (!filter) throw notFound();
  return filter;
}

export async function filtersChanged(ctx: AppContext, accountId: string) {
  await forgetFilters(ctx, accountId);
  await publishEvent(ctx, { type: 'filters.changed', accountId });
  await publishToStream(ctx, channels.home(accountId), 'filters_changed');
}

async function applyKeywords(ctx: AppContext, tx: AppContext['db'], filterId: string, keywords: KeywordAttributes[]) {
  for (const attrs of keywords) {
    const id = attrs.id ? rowId(attrs.id) : undefined;
    if (attrs.id && !id) throw notFound();
    if (id) {
      const [existing] = await tx
        .select()
        .from(customFilterKeywords)
        .where(and(eq(customFilterKeywords.id, id), eq(customFilterKeywords.customFilterId, filterId)));
      if (!existing) throw notFound();
      if (attrs.destroy) {
        await tx.delete(customFilterKeywords).where(eq(customFilterKeywords.id, id));
        continue;
      }
      if (attrs.keyword !== undefined) validateKeyword(attrs.keyword);
      await tx
        .update(customFilterKeywords)
        .set({ ...(attrs.keyword !== undefined ? { keyword: attrs.keyword } : {}), ...(attrs.wholeWord !== undefined ? { wholeWord: attrs.wholeWord } : {}) })
        .where(eq(customFilterKeywords.id, id));
    } else if (!attrs.destroy) {
      validateKeyword(attrs.keyword);
      await tx.insert(customFilterKeywords).values({ customFilterId: filterId, keyword: attrs.keyword!, wholeWord: attrs.wholeWord ?? true });
    }
  }
  void ctx;
}

export async function createFilter(ctx: AppContext, accountId: string, input: FilterInput) {
  const values = { title: input.title ?? '', context: input.context ?? [], action: input.action ?? 'warn' };
  validateFilter(values);
  const filter = await ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(customFilters)
      .values({ accountId, ...values, expiresAt: expiry(input.expiresIn) })
      .returning();
    await applyKeywords(ctx, tx, created!.id, input.keywords ?? []);
    return created!;
  });
  await filtersChanged(ctx, accountId);
  return filter;
}

export async function updateFilter(ctx: AppContext, filter: CustomFilterRow, input: FilterInput) {
  const values = {
    title: input.title ?? filter.title,
    context: input.context ?? filter.context,
    action: input.action ?? filter.action,
  };
  validateFilter(values);
  const updated = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(customFilters)
      .set({ ...values, ...(input.expiresIn !== undefined ? { expiresAt: expiry(input.expiresIn) } : {}), updatedAt: new Date() })
      .where(eq(customFilters.id, filter.id))
      .returning();
    await applyKeywords(ctx, tx, filter.id, input.keywords ?? []);
    return row!;
  });
  await filtersChanged(ctx, filter.accountId);
  return updated;
}

export async function deleteFilter(ctx: AppContext, filter: CustomFilterRow) {
  await ctx.db.delete(customFilters).where(eq(customFilters.id, filter.id));
  await filtersChanged(ctx, filter.accountId);
}
