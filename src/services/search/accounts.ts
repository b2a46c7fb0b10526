import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accountsInOrder } from '../accounts/account-pages.ts';
import { isLocalDomain } from '../accounts/account-lookup.ts';

export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface AccountSearchOptions {
  limit: number;
  offset: number;
  /** only accounts the viewer follows (needs a viewer) */
  following?: boolean;
}

/**
 * Accounts by username, `user@domain` or display name (Mastodon's AccountSearchService): names
 * starting with the query, and names like it (pg_trgm: trigram similarity of the username, word
 * similarity in the display name), through the trigram GIN indexes. The exact handle first, then
 * prefixes, then the closest names, accounts the viewer follows before others, local before
 * remote, the most followed first. Suspended and moved accounts (but for the exact handle),
 * unconfirmed or unapproved local ones and those blocking the viewer are left out.
 */
export async function searchAccounts(ctx: AppContext, viewerId: string | null, q: string, options: AccountSearchOptions) {
  const query = q.trim().replace(/^@/, '');
  if (query === '' || options.limit <= 0) return [];
  const at = query.indexOf('@');
  const username = (at === -1 ? query : query.slice(0, at)).toLowerCase();
  const domain = at === -1 ? null : query.slice(at + 1).toLowerCase();
  const local = domain !== null && isLocalDomain(ctx, domain);
  const name = query.toLowerCase();
  let match: SQL;
  let prefix: SQL;
  let likeness: SQL;
  if (domain === null) {
    prefix = sql`(lower(a.username) LIKE ${`${escapeLike(username)}%`} OR lower(a.display_name) LIKE ${`${escapeLike(name)}%`})`;
    // `%` and `<%` are pg_trgm's similarity operators, which the trigram indexes answer
    match = sql`(${prefix} OR lower(a.username) % ${username} OR ${name} <% lower(a.display_name))`;
    likeness = sql`greatest(similarity(lower(a.username), ${username}), word_similarity(${name}, lower(a.display_name)))`;
  } else if (local) {
    prefix = sql`(a.domain IS NULL AND lower(a.username) LIKE ${`${escapeLike(username)}%`})`;
    match = prefix;
    likeness = sql`similarity(lower(a.username), ${username})`;
  } else {
    prefix = sql`(lower(a.username) LIKE ${`${escapeLike(username)}%`} AND lower(a.domain) LIKE ${`${escapeLike(domain)}%`})`;
    match = prefix;
    likeness = sql`similarity(lower(a.username), ${username})`;
  }
  const exact = domain === null || local ? sql`(lower(a.username) = ${username} AND a.domain IS NULL)` : sql`(lower(a.username) = ${username} AND lower(a.domain) = ${domain})`;
  const notBlocked = viewerId ? sql`AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = ${viewerId})` : sql``;
  const followed = viewerId ? sql`EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${viewerId} AND f.target_account_id = a.id)` : sql`FALSE`;
  const following = options.following ? sql`AND ${followed}` : sql``;
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT a.id::text AS id FROM accounts a
        WHERE ${match} AND a.suspended_at IS NULL AND (a.moved_to_account_id IS NULL OR ${exact})
          AND (a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.confirmed_at IS NOT NULL AND u.approved))
          ${notBlocked}
          ${following}
        ORDER BY ${exact} DESC, ${prefix} DESC, round((${likeness})::numeric, 1) DESC, ${viewerId ? sql`${followed} DESC,` : sql``} (a.domain IS NULL) DESC, a.followers_count DESC, a.id
        OFFSET ${options.offset} LIMIT ${options.limit}`,
  );
  return accountsInOrder(
    ctx,
    rows.map((row) => row.id),
  );
}
