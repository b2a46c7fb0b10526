import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../lib/errors.ts';
import { queryRows } from '../../db/index.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { accountsInOrder } from '../accounts/account-pages.ts';
import type { TagRow } from '../statuses/tag-entities.ts';
import { visibleTo } from '../statuses/visibility.ts';
import { searchAccounts } from './accounts.ts';
import { searchHashtags } from './hashtags.ts';
import { parseSearchQuery } from './parse-query.ts';
import { searchStatuses } from './statuses.ts';

export const SEARCH_TYPES = ['accounts', 'hashtags', 'statuses'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export interface SearchOptions {
  /** one kind only; blank searches all three, and an unknown type finds nothing (as in Mastodon) */
  type?: string;
  limit: number;
  /** only honoured with a type, as Mastodon does */
  offset: number;
  following: boolean;
  /** statuses by this author only */
  accountId?: string;
  excludeUnreviewed: boolean;
  maxId?: string;
  minId?: string;
  /** the searcher's language (their interface locale), in which words are also stemmed */
  language?: string | null;
  /**
   * `resolve=true`: what fetches a remote account named by a complete `user@domain` or by a URL
   * into the database before searching (the web tier passes the federation layer's resolvers).
   */
  resolve?: { account(acct: string): Promise<unknown>; url(url: string): Promise<unknown> };
}

export interface SearchResults {
  accounts: Awaited<ReturnType<typeof accountsInOrder>>;
  statuses: StatusRow[];
  hashtags: TagRow[];
}

/** A known account or status by its URI or URL (with `resolve`, the caller fetches an unknown one first). */
async function findByUrl(ctx: AppContext, viewerId: string | null, url: string, type: string | undefined): Promise<SearchResults> {
  const results: SearchResults = { accounts: [], statuses: [], hashtags: [] };
  if (type === undefined || type === 'statuses') {
    const found = await ctx.db
      .select()
      .from(statuses)
      .where(sql`(${statuses.uri} = ${url} OR ${statuses.url} = ${url}) AND ${visibleTo(viewerId)} AND ${statuses.reblogOfId} IS NULL`)
      .limit(1);
    if (found.length) {
      results.statuses = found;
      return results;
    }
  }
  if (type === undefined || type === 'accounts') {
    const notBlocked = viewerId ? sql`AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = ${viewerId})` : sql``;
    const rows = await queryRows<{ id: string }>(
      ctx.db,
      sql`SELECT a.id::text AS id FROM accounts a
          WHERE (a.uri = ${url} OR a.url = ${url}) AND a.suspended_at IS NULL ${notBlocked}
          ORDER BY a.id LIMIT 1`,
    );
    results.accounts = await accountsInOrder(
      ctx,
      rows.map((row) => row.id),
    );
  }
  return results;
}

/**
 * `GET /api/v2/search` (Mastodon 4's SearchService, with PostgreSQL full text standing in for
 * Elasticsearch). A `#tag` query skips accounts, an `@` skips hashtags, and so does a space after
 * an `@` skip accounts; statuses (by words and operators: parse-query.ts) need a signed-in viewer.
 * A URL finds the known status or account.
 */
export async function search(ctx: AppContext, viewerId: string | null, q: string, options: SearchOptions): Promise<SearchResults> {
  const query = q.trim();
  const results: SearchResults = { accounts: [], statuses: [], hashtags: [] };
  if (query === '' || options.limit <= 0) return results;
  const offset = options.type ? options.offset : 0;
  const wants = (type: SearchType) => !options.type || options.type === type;

  if (/^https?:\/\//i.test(query)) {
    if (offset > 0) return results;
    const known = await findByUrl(ctx, viewerId, query, options.type);
    if (!options.resolve || known.accounts.length || known.statuses.length) return known;
    await options.resolve.url(query);
    return findByUrl(ctx, viewerId, query, options.type);
  }

  const hash = query.startsWith('#');
  const at = query.includes('@');
  const space = query.includes(' ');
  const statusesSearched = wants('statuses') && viewerId !== null;
  // parsed first: a bad operator value is a 422 whatever else is searched
  const parsed = statusesSearched ? parseSearchQuery(query) : null;
  if (statusesSearched && options.accountId) {
    const [author] = await queryRows(ctx.db, sql`SELECT 1 FROM accounts WHERE id = ${options.accountId}`);
    if (!author) throw notFound();
  }
  // Mastodon's AccountSearchService#exact_match: a complete handle is resolved first, then found first
  if (options.resolve && offset === 0 && wants('accounts') && /^@?[^@\s]+@[^@\s]+$/.test(query)) await options.resolve.account(query);
  const [accounts, found, hashtags] = await Promise.all([
    wants('accounts') && !(hash || (at && space)) ? searchAccounts(ctx, viewerId, query, { limit: options.limit, offset, following: options.following }) : [],
    parsed
      ? searchStatuses(ctx, viewerId!, parsed, {
          limit: options.limit,
          offset,
          accountId: options.accountId,
          maxId: options.maxId,
          minId: options.minId,
          language: options.language,
        })
      : [],
    wants('hashtags') && !at ? searchHashtags(ctx, query, { limit: options.limit, offset, excludeUnreviewed: options.excludeUnreviewed }) : [],
  ]);
  return { accounts, statuses: found, hashtags };
}
