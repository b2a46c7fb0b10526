import { ApiError } from '../../lib/errors.ts';

/** The operators a statuses search understands (Mastodon's SearchQueryTransformer::SUPPORTED_PREFIXES). */
export const SEARCH_PREFIXES = ['has', 'is', 'language', 'from', 'before', 'after', 'during', 'in'] as const;
type Prefix = (typeof SEARCH_PREFIXES)[number];

/** Words to find: a term, a quoted phrase, or a `#hashtag` (the statuses carrying it); `-` excludes. */
export interface TextClause {
  kind: 'term' | 'phrase' | 'hashtag';
  negated: boolean;
  text: string;
}

/** A time in the searcher's calendar: date-only values cover the whole (UTC) day. */
export interface DateBound {
  /** the first instant of the value */
  start: Date;
  /** the first instant after it (a date's next midnight; an exact time's next millisecond) */
  end: Date;
}

export type FilterClause = { prefix: 'has' | 'is' | 'language' | 'from'; negated: boolean; value: string } | { prefix: 'before' | 'after' | 'during'; negated: boolean; value: DateBound };

export interface ParsedQuery {
  text: TextClause[];
  filters: FilterClause[];
  /** `in:library` only what the searcher interacted with, `in:public` only what authors opened to search, `in:all` both */
  scope: 'all' | 'library' | 'public';
}

const DAY_MS = 24 * 3600 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const EPOCH_MILLIS = /^\d{1,19}$/;
/** ISO 8601 date and time, as Mastodon's `DateTime.iso8601` reads it (a zone is needed to be an instant) */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** `before:`, `after:` and `during:` values: `YYYY-MM-DD`, an ISO 8601 time, or milliseconds since the epoch. */
export function parseDateBound(value: string): DateBound {
  const date = DATE_ONLY.exec(value);
  if (date) {
    const start = new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])));
    if (start.getUTCDate() === Number(date[3]) && start.getUTCMonth() === Number(date[2]) - 1) return { start, end: new Date(start.getTime() + DAY_MS) };
  } else if (EPOCH_MILLIS.test(value) || DATE_TIME.test(value)) {
    const start = new Date(EPOCH_MILLIS.test(value) ? Number(value) : value);
    if (!Number.isNaN(start.getTime())) return { start, end: new Date(start.getTime() + 1) };
  }
  throw new ApiError(422, `Invalid date ${value}`);
}

/** The regional languages Mastodon knows apart (LanguagesHelper::REGIONAL_LOCALE_NAMES), lower case. */
const REGIONAL_LANGUAGES = new Set(['en-gb', 'es-ar', 'es-mx', 'fr-ca', 'pt-br', 'pt-pt', 'sr-latn', 'zh-cn', 'zh-hk', 'zh-tw']);

/** `language:` values, compared with statuses' languages in lower case: `EN` and `en_US` read as `en`, `pt-BR` stays. */
function languageCode(value: string): string {
  const code = value.toLowerCase().replace(/_/g, '-');
  return REGIONAL_LANGUAGES.has(code) ? code : code.split('-')[0]!;
}

/** One clause of the query: an optional `+`/`-`, an optional `prefix:`, then a "phrase" or a term. */
interface RawClause {
  operator: '+' | '-' | null;
  prefix: string | null;
  value: string;
  quoted: boolean;
}

function tokenize(query: string): RawClause[] {
  const clauses: RawClause[] = [];
  let i = 0;
  const n = query.length;
  const prefixes = new Set<string>(SEARCH_PREFIXES);
  while (i < n) {
    while (i < n && /\s/.test(query[i]!)) i++;
    if (i >= n) break;
    let operator: RawClause['operator'] = null;
    if (query[i] === '+' || query[i] === '-') operator = query[i++] as '+' | '-';
    let prefix: string | null = null;
    const word = /^([a-zA-Z]+):/.exec(query.slice(i, i + 12));
    if (word && prefixes.has(word[1]!.toLowerCase())) {
      prefix = word[1]!.toLowerCase();
      i += word[0].length;
    }
    if (query[i] === '"') {
      const close = query.indexOf('"', i + 1);
      // an unmatched quote is dropped, as Mastodon's parser treats it as junk
      if (close === -1) {
        i++;
        continue;
      }
      clauses.push({ operator, prefix, value: query.slice(i + 1, close), quoted: true });
      i = close + 1;
      continue;
    }
    const start = i;
    while (i < n && !/\s/.test(query[i]!)) i++;
    const value = query.slice(start, i);
    if (value === '' && prefix === null) {
      // a lone `+` or `-`
      continue;
    }
    clauses.push({ operator, prefix, value, quoted: false });
  }
  return clauses;
}

/**
 * A statuses search query as Mastodon 4 reads it (SearchQueryParser and SearchQueryTransformer):
 * words and "quoted phrases" that must all be found, `-word` that must not, `#tag`, and the
 * operators `has:`, `is:`, `language:`, `from:`, `before:`, `after:`, `during:` (each negatable
 * with `-`) and `in:`. An unknown `prefix:word` is an ordinary word. A bad date is a 422.
 */
export function parseSearchQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = { text: [], filters: [], scope: 'all' };
  for (const clause of tokenize(query)) {
    const negated = clause.operator === '-';
    const prefix = clause.prefix as Prefix | null;
    if (prefix !== null) {
      const value = clause.value.trim();
      if (value === '') continue;
      switch (prefix) {
        case 'in':
          parsed.scope = value === 'library' ? 'library' : value === 'public' ? 'public' : 'all';
          break;
        case 'has':
        case 'is':
          parsed.filters.push({ prefix, negated, value: value.toLowerCase() });
          break;
        case 'language':
          parsed.filters.push({ prefix, negated, value: languageCode(value) });
          break;
        case 'from':
          parsed.filters.push({ prefix, negated, value: value.replace(/^@/, '') });
          break;
        default:
          parsed.filters.push({ prefix, negated, value: parseDateBound(value) });
      }
      continue;
    }
    if (clause.quoted) parsed.text.push({ kind: 'phrase', negated, text: clause.value });
    else if (clause.value.startsWith('#') && clause.value.length > 1) parsed.text.push({ kind: 'hashtag', negated, text: clause.value.slice(1) });
    else parsed.text.push({ kind: 'term', negated, text: clause.value });
  }
  // words without a letter or digit match nothing and would only make PostgreSQL complain
  parsed.text = parsed.text.filter((clause) => /[\p{L}\p{N}]/u.test(clause.text));
  return parsed;
}
