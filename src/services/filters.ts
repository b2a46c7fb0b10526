import { and, asc, inArray, isNull, or, gt, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { customFilterKeywords, customFilterStatuses, customFilters, polls, statuses } from '../db/schema.ts';
import type { FilterResult, StatusRow } from '../serializers/status.ts';
import type { CustomFilterRow, FilterKeywordRow, FilterStatusRow } from '../db/schema.ts';

export type { CustomFilterRow, FilterKeywordRow, FilterStatusRow };

export const FILTER_CONTEXTS = ['home', 'notifications', 'public', 'thread', 'account'] as const;
export type FilterContext = (typeof FILTER_CONTEXTS)[number];
export const FILTER_ACTIONS = ['warn', 'hide', 'blur'] as const;

export function renderFilterKeyword(keyword: FilterKeywordRow) {
  return { id: keyword.id, keyword: keyword.keyword, whole_word: keyword.wholeWord };
}

export function renderFilterStatus(row: FilterStatusRow) {
  return { id: row.id, status_id: row.statusId };
}

/**
 * Mastodon's Filter entity (REST::FilterSerializer). `keywords` and `statuses` are given where the
 * rules were asked for (the filters endpoints), and left out inside a FilterResult.
 */
export function renderFilter(filter: CustomFilterRow, rules?: { keywords: FilterKeywordRow[]; statuses: FilterStatusRow[] }) {
  return {
    id: filter.id,
    title: filter.title,
    context: filter.context,
    expires_at: filter.expiresAt?.toISOString() ?? null,
    filter_action: filter.action,
    ...(rules ? { keywords: rules.keywords.map(renderFilterKeyword), statuses: rules.statuses.map(renderFilterStatus) } : {}),
  };
}

/** Filters still in force: not expired. */
export const activeFilter = () => or(isNull(customFilters.expiresAt), gt(customFilters.expiresAt, sql`now()`));

const WORD = /[\p{L}\p{M}\p{N}\p{Pc}]/u;

function escapeRegExp(text: string): string {
  // no `-` here: outside a character class it needs no escape, and `\-` is a syntax error with the `u` flag
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A keyword's pattern as Mastodon builds it (CustomFilterKeyword#to_regex): case-insensitive; for
 * whole words, a word boundary on each side that begins or ends with a word character.
 */
export function keywordPattern(keyword: string, wholeWord: boolean): string {
  const escaped = escapeRegExp(keyword);
  if (!wholeWord) return escaped;
  const chars = [...keyword];
  const start = chars.length > 0 && WORD.test(chars[0]!) ? '(?<![\\p{L}\\p{M}\\p{N}\\p{Pc}])' : '';
  const end = chars.length > 0 && WORD.test(chars[chars.length - 1]!) ? '(?![\\p{L}\\p{M}\\p{N}\\p{Pc}])' : '';
  return `${start}${escaped}${end}`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", nbsp: ' ' };

/** The plain text of a status' HTML, as Mastodon extracts it for filtering (paragraphs and line breaks kept as newlines). */
export function htmlToPlainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z0-9]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

export interface LoadedFilter {
  filter: CustomFilterRow;
  keywords: RegExp | null;
  statusIds: Set<string>;
}

/** Each viewer's filters in force for `context`, with their keyword patterns compiled (one query per kind, whatever the number of viewers). */
export async function activeFiltersOf(ctx: AppContext, viewerIds: string[], context?: string | null): Promise<Map<string, LoadedFilter[]>> {
  const byViewer = new Map<string, LoadedFilter[]>(viewerIds.map((id) => [id, []]));
  if (viewerIds.length === 0) return byViewer;
  const filters = await ctx.db
    .select()
    .from(customFilters)
    .where(and(inArray(customFilters.accountId, viewerIds), activeFilter(), context ? sql`${context} = ANY(${customFilters.context})` : undefined))
    .orderBy(asc(customFilters.id));
  if (filters.length === 0) return byViewer;
  const ids = filters.map((f) => f.id);
  const [keywordRows, statusRows] = await Promise.all([
    ctx.db.select().from(customFilterKeywords).where(inArray(customFilterKeywords.customFilterId, ids)).orderBy(asc(customFilterKeywords.id)),
    ctx.db.select().from(customFilterStatuses).where(inArray(customFilterStatuses.customFilterId, ids)),
  ]);
  for (const filter of filters) {
    const patterns = keywordRows.filter((k) => k.customFilterId === filter.id).map((k) => keywordPattern(k.keyword, k.wholeWord));
    byViewer.get(filter.accountId)?.push({
      filter,
      keywords: patterns.length ? new RegExp(patterns.join('|'), 'iu') : null,
      statusIds: new Set(statusRows.filter((s) => s.customFilterId === filter.id).map((s) => s.statusId)),
    });
  }
  return byViewer;
}

/** The viewer's filters in force for `context`, with their keyword patterns compiled. */
export async function activeFiltersFor(ctx: AppContext, viewerId: string, context?: string | null): Promise<LoadedFilter[]> {
  return (await activeFiltersOf(ctx, [viewerId], context)).get(viewerId) ?? [];
}

/** The text filters look at: spoiler, content as plain text, poll options. */
export function filterableText(status: { spoilerText: string; content: string }, pollOptions?: string[] | null): string {
  return [status.spoilerText, htmlToPlainText(status.content), pollOptions ? pollOptions.join('\n\n') : null].filter((part) => part !== null).join('\n\n');
}

/** What loaded filters find in one status (the proper one, not a reblog wrapper), given its filterable text. */
export function matchFilters(filters: LoadedFilter[], statusId: string, text: string): FilterResult[] {
  const found: FilterResult[] = [];
  const now = Date.now();
  for (const { filter, keywords, statusIds } of filters) {
    // a streaming process keeps filters loaded for a while: one that expired since no longer applies
    if (filter.expiresAt && filter.expiresAt.getTime() <= now) continue;
    const match = keywords ? text.match(keywords) : null;
    const keywordMatches = match ? [match[0]] : null;
    const statusMatches = statusIds.has(statusId) ? [statusId] : null;
    if (!keywordMatches && !statusMatches) continue;
    found.push({ filter: renderFilter(filter), keyword_matches: keywordMatches, status_matches: statusMatches });
  }
  return found;
}

/**
 * What the viewer's filters find in these statuses (Mastodon's CustomFilter.apply_cached_filters):
 * per status id (the original's id for a reblog, as the status serializer looks it up), the
 * FilterResults to pass to `renderStatuses(…, { filtered })`. Expired filters and the viewer's own
 * statuses are left alone. Mastodon's REST API applies every filter whatever its context (clients
 * compare `filter.context` with where they show the status), so leave `context` out to match it;
 * give one to keep only filters for that context (the streaming tier does).
 */
export async function filterResultsFor(
  ctx: AppContext,
  viewerId: string | null | undefined,
  statusRows: StatusRow[],
  context?: FilterContext | string | null,
): Promise<Map<string, FilterResult[]>> {
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
  return !!results?.some((result) => {
    const filter = result.filter as { filter_action?: string; context?: string[] };
    return filter.filter_action === 'hide' && !!filter.context?.includes(context);
  });
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
