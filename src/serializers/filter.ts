import type { FilterMatch, CustomFilterRow } from '../lib/filter-matching.ts';
import type { Filter, FilterResult } from './entities.ts';

import type { FilterKeywordRow } from '../db/schema.ts';
export type { FilterKeywordRow };
import type { FilterStatusRow } from '../db/schema.ts';
export type { FilterStatusRow };

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
export function renderFilter(filter: CustomFilterRow, rules?: { keywords: FilterKeywordRow[]; statuses: FilterStatusRow[] }): Filter {
  return {
    id: filter.id,
    title: filter.title,
    context: filter.context,
    expires_at: filter.expiresAt?.toISOString() ?? null,
    filter_action: filter.action,
    ...(rules ? { keywords: rules.keywords.map(renderFilterKeyword), statuses: rules.statuses.map(renderFilterStatus) } : {}),
  };
}

/** Mastodon's FilterResult entity, for what a filter found in a status. */
export function serializeFilterResult(match: FilterMatch): FilterResult {
  return { filter: renderFilter(match.filter), keyword_matches: match.keywordMatches, status_matches: match.statusMatches };
}
