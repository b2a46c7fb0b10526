import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../lib/errors.ts';
import { queryRows } from '../../db/index.ts';
import { statuses, tags } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { accountsInOrder } from '../accounts/account-pages.ts';
import type { TagRow } from '../statuses/tag-entities.ts';
import { notHiddenFrom, visibleTo } from '../statuses/visibility.ts';

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface AccountSearchOptions {
  limit: number;
  offset: number;
  /** only accounts the viewer follows (needs a viewer) */
  following?: boolean;
}

/**
 * Accounts by username, `user@domain` or display name prefix (Mastodon's AccountSearchService
 * without Elasticsearch): the exact match first, then local accounts, then the most followed.
 * Suspended accounts, unconfirmed or unapproved local ones and those blocking the viewer are left out.
 */
export async function searchAccounts(ctx: AppContext, viewerId: string | null, q: string, options: AccountSearchOptions) {
  const query = q.trim().replace(/^@/, '');
  if (query === '' || options.limit <= 0) return [];
  const at = query.indexOf('@');
  const username = (at === -1 ? query : query.slice(0, at)).toLowerCase();
  const domain = at === -1 ? null : query.slice(at + 1).toLowerCase();
  const local = domain !== null && (domain === ctx.config.localDomain.toLowerCase() || domain === ctx.config.webDomain.toLowerCase());
  let match: SQL;
  if (domain === null) {
    match = sql`(lower(a.username) LIKE ${`${escapeLike(username)}%`} OR lower(a.display_name) LIKE ${`${escapeLike(query.toLowerCase())}%`})`;
  } else if (local) {
    match = sql`(a.domain IS NULL AND lower(a.username) LIKE ${`${escapeLike(username)}%`})`;
  } else {
    match = sql`(lower(a.username) LIKE ${`${escapeLike(username)}%`} AND lower(a.domain) LIKE ${`${escapeLike(domain)}%`})`;
  }
  const notBlocked = viewerId ? sql`AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = ${viewerId})` : sql``;
  const following =
    options.following && viewerId ? sql`AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${viewerId} AND f.target_account_id = a.id)` : options.following ? sql`AND FALSE` : sql``;
  const exact = domain === null || local ? sql`lower(a.username) = ${username} AND a.domain IS NULL` : sql`lower(a.username) = ${username} AND lower(a.domain) = ${domain}`;
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT a.id::text AS id FROM accounts a
        WHERE ${match} AND a.suspended_at IS NULL
          AND (a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.confirmed_at IS NOT NULL AND u.approved))
          ${notBlocked}
          ${following}
        ORDER BY (${exact}) DESC, (a.domain IS NULL) DESC, a.followers_count DESC, a.id
        OFFSET ${options.offset} LIMIT ${options.limit}`,
  );
  return accountsInOrder(
    ctx,
    rows.map((row) => row.id),
  );
}

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
  /**
   * `resolve=true`: what fetches a remote account named by a complete `user@domain` or by a URL
   * into the database before searching (the web tier passes the federation layer's resolvers).
   */
  resolve?: { account(acct: string): Promise<unknown>; url(url: string): Promise<unknown> };
}

/** The full-text document of a status; the same expression as the GIN index on statuses (migration 0003). */
const statusDocument = (s: { spoilerText: SQL | typeof statuses.spoilerText; text: SQL | typeof statuses.text }) => sql`to_tsvector('simple'::regconfig, ${s.spoilerText} || ' ' || ${s.text})`;

/**
 * Statuses matching `q` as PostgreSQL full text (`websearch_to_tsquery` over the 'simple'
 * configuration, so any language works), best match first, then newest. As Mastodon's
 * StatusesSearchService: only among public statuses of authors who opted in to search
 * (`indexable`), the viewer's own, and those the viewer was mentioned in, favourited, bookmarked or
 * boosted; and of those only what the viewer may see and has not hidden (blocks, mutes, domain blocks).
 */
export async function searchStatuses(ctx: AppContext, viewerId: string, q: string, options: Pick<SearchOptions, 'limit' | 'offset' | 'accountId' | 'maxId' | 'minId'>): Promise<StatusRow[]> {
  if (options.limit <= 0) return [];
  const document = statusDocument(statuses);
  const tsquery = sql`websearch_to_tsquery('simple'::regconfig, ${q})`;
  const conditions: SQL[] = [
    sql`${statuses.reblogOfId} IS NULL`,
    sql`${document} @@ ${tsquery}`,
    visibleTo(viewerId),
    notHiddenFrom(viewerId),
    sql`(
      (${statuses.visibility} = 'public' AND EXISTS (SELECT 1 FROM accounts ia WHERE ia.id = ${statuses.accountId} AND ia.indexable))
      OR ${statuses.accountId} = ${viewerId}
      OR EXISTS (SELECT 1 FROM mentions sm WHERE sm.status_id = ${statuses.id} AND sm.account_id = ${viewerId})
      OR EXISTS (SELECT 1 FROM favourites sf WHERE sf.status_id = ${statuses.id} AND sf.account_id = ${viewerId})
      OR EXISTS (SELECT 1 FROM bookmarks sb WHERE sb.status_id = ${statuses.id} AND sb.account_id = ${viewerId})
      OR EXISTS (SELECT 1 FROM statuses sr WHERE sr.reblog_of_id = ${statuses.id} AND sr.account_id = ${viewerId} AND sr.deleted_at IS NULL)
    )`,
  ];
  if (options.accountId) conditions.push(sql`${statuses.accountId} = ${options.accountId}`);
  if (options.maxId) conditions.push(sql`${statuses.id} < ${options.maxId}`);
  if (options.minId) conditions.push(sql`${statuses.id} > ${options.minId}`);
  return ctx.db
    .select()
    .from(statuses)
    .where(sql.join(conditions, sql` AND `))
    .orderBy(sql`ts_rank(${document}, ${tsquery}) DESC`, sql`${statuses.id} DESC`)
    .offset(options.offset)
    .limit(options.limit);
}

/**
 * Usable, listable hashtags whose names start with `q` (a leading `#` is dropped), the exact name
 * first, then shorter names (Mastodon's Tag.search_for). There is no hashtag review here, so with
 * `excludeUnreviewed` only the exact name is left, as Mastodon keeps exact matches and reviewed tags.
 */
export async function searchHashtags(ctx: AppContext, q: string, options: { limit: number; offset: number; excludeUnreviewed: boolean }): Promise<TagRow[]> {
  const name = q.trim().replace(/^#/, '').toLowerCase();
  if (name === '' || options.limit <= 0) return [];
  const match = options.excludeUnreviewed ? sql`lower(${tags.name}) = ${name}` : sql`lower(${tags.name}) LIKE ${`${escapeLike(name)}%`}`;
  return ctx.db
    .select()
    .from(tags)
    .where(sql`${match} AND ${tags.usable} AND ${tags.listable}`)
    .orderBy(sql`(lower(${tags.name}) = ${name}) DESC`, sql`length(${tags.name})`, sql`${tags.name}`)
    .offset(options.offset)
    .limit(options.limit);
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
 * `GET /api/v2/search` (Mastodon's SearchService, with PostgreSQL full text standing in for
 * Elasticsearch). A `#tag` query skips accounts, an `@` skips hashtags, and a single `#word` or
 * `@user` skips statuses; statuses need a signed-in viewer. A URL finds the known status or account.
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
  const statusesSearched = wants('statuses') && viewerId !== null && !((hash || at) && !space);
  if (statusesSearched && options.accountId) {
    const [author] = await queryRows(ctx.db, sql`SELECT 1 FROM accounts WHERE id = ${options.accountId}`);
    if (!author) throw notFound();
  }
  // Mastodon's AccountSearchService#exact_match: a complete handle is resolved first, then found first
  if (options.resolve && offset === 0 && wants('accounts') && /^@?[^@\s]+@[^@\s]+$/.test(query)) await options.resolve.account(query);
  const [accounts, found, hashtags] = await Promise.all([
    wants('accounts') && !(hash || (at && space)) ? searchAccounts(ctx, viewerId, query, { limit: options.limit, offset, following: options.following }) : [],
    statusesSearched ? searchStatuses(ctx, viewerId!, query, { limit: options.limit, offset, accountId: options.accountId, maxId: options.maxId, minId: options.minId }) : [],
    wants('hashtags') && !at ? searchHashtags(ctx, query, { limit: options.limit, offset, excludeUnreviewed: options.excludeUnreviewed }) : [],
  ]);
  return { accounts, statuses: found, hashtags };
}
