/**
 * Filter matching as Mastodon does it (CustomFilter#matches?), pure: the loaders call it with the
 * filters and statuses they loaded, the serializers render what it found.
 */

import type { CustomFilterRow } from '../db/schema.ts';
export type { CustomFilterRow };

export interface LoadedFilter {
  filter: CustomFilterRow;
  keywords: RegExp | null;
  statusIds: Set<string>;
}

/** What one filter found in one status, before it is rendered as a FilterResult. */
export interface FilterMatch {
  filter: CustomFilterRow;
  keywordMatches: string[] | null;
  statusMatches: string[] | null;
}

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

/** One filter with its rules compiled (its keywords joined into one pattern). */
export function compileFilter(filter: CustomFilterRow, keywords: readonly { keyword: string; wholeWord: boolean }[], statusIds: readonly string[]): LoadedFilter {
  const patterns = keywords.map((k) => keywordPattern(k.keyword, k.wholeWord));
  return { filter, keywords: patterns.length ? new RegExp(patterns.join('|'), 'iu') : null, statusIds: new Set(statusIds) };
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

/** The text filters look at: spoiler, content as plain text, poll options. */
export function filterableText(status: { spoilerText: string; content: string }, pollOptions?: readonly string[] | null): string {
  return [status.spoilerText, htmlToPlainText(status.content), pollOptions ? pollOptions.join('\n\n') : null].filter((part) => part !== null).join('\n\n');
}

/** What loaded filters find in one status (the proper one, not a reblog wrapper), given its filterable text. */
export function findFilterMatches(filters: readonly LoadedFilter[], statusId: string, text: string, now = Date.now()): FilterMatch[] {
  const found: FilterMatch[] = [];
  for (const { filter, keywords, statusIds } of filters) {
    // a streaming process keeps filters loaded for a while: one that expired since no longer applies
    if (filter.expiresAt && filter.expiresAt.getTime() <= now) continue;
    const match = keywords ? text.match(keywords) : null;
    const keywordMatches = match ? [match[0]] : null;
    const statusMatches = statusIds.has(statusId) ? [statusId] : null;
    if (!keywordMatches && !statusMatches) continue;
    found.push({ filter, keywordMatches, statusMatches });
  }
  return found;
}

/** Whether any of these matches comes from a filter that hides in `context`. */
export function hidesIn(matches: readonly FilterMatch[] | undefined, context: string): boolean {
  return !!matches?.some(({ filter }) => filter.action === 'hide' && filter.context.includes(context));
}
