import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { isRowId } from '../../lib/ids.ts';
import { accountsInOrder } from './account-pages.ts';
import { idFloor } from '../../lib/ids.ts';

/** Local accounts must be confirmed, approved and enabled to be shown; remote ones are shown as known. */
export const usable = sql`(a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.confirmed_at IS NOT NULL AND u.approved AND NOT u.disabled))`;

/** Accounts `viewerId` blocks, is blocked by, or mutes (Mastodon's excluded_from_timeline_account_ids). */
export function notExcludedBy(viewerId: string | null) {
  if (!viewerId) return sql`TRUE`;
  return sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ${viewerId} AND b.target_account_id = a.id) OR (b.account_id = a.id AND b.target_account_id = ${viewerId}))
    AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${viewerId} AND mu.target_account_id = a.id AND (mu.expires_at IS NULL OR mu.expires_at > now()))`;
}

const DISMISSED_LIMIT = 1000;
const INTERACTIONS_WINDOW_MS = 30 * 86_400_000;
const dismissedKey = (accountId: string) => `suggestions:dismissed:${accountId}`;

async function dismissedSuggestions(ctx: AppContext, accountId: string): Promise<string[]> {
  try {
    const value = JSON.parse((await ctx.cache.get(dismissedKey(accountId))) ?? '[]');
    return Array.isArray(value) ? value.filter(isRowId) : [];
  } catch {
    return [];
  }
}

/** Remembers that the member does not want `id` suggested again (Mastodon's FollowRecommendationMute). */
export async function dismissSuggestion(ctx: AppContext, accountId: string, id: string) {
  const dismissed = await dismissedSuggestions(ctx, accountId);
  const canonical = BigInt(id).toString();
  if (!dismissed.includes(canonical)) {
    await ctx.cache.set(dismissedKey(accountId), JSON.stringify([canonical, ...dismissed].slice(0, DISMISSED_LIMIT)));
  }
}

/** Why an account is suggested: Mastodon's suggestion sources this instance has. */
export type SuggestionSource = 'friends_of_friends' | 'most_followed' | 'most_interactions';

/**
 * Each source's query: the accounts it picks (ranked), before the filters every suggestion passes.
 * friends_of_friends: followed by the accounts the member follows (those showing whom they follow),
 * by how many of them;
 * most_followed: local accounts with the most followers; most_interactions: local accounts whose
 * posts of the last 30 days were favourited and boosted most.
 */
const SOURCES: Record<SuggestionSource, (viewerId: string) => SQL> = {
  friends_of_friends: (viewerId) => sql`
    SELECT f.target_account_id AS id, count(*) AS score FROM follows f
     WHERE f.account_id IN (SELECT fo.target_account_id FROM follows fo JOIN accounts fa ON fa.id = fo.target_account_id
                             WHERE fo.account_id = ${viewerId} AND fa.hide_collections IS NOT TRUE)
     GROUP BY f.target_account_id`,
  most_followed: () => sql`
    SELECT a.id, a.followers_count AS score FROM accounts a WHERE a.domain IS NULL AND a.followers_count > 0`,
  most_interactions: () => {
    // ids are time-ordered: the 30 days are a primary key range, and so are the favourites and boosts of them
    const floor = idFloor(new Date(Date.now() - INTERACTIONS_WINDOW_MS));
    return sql`
    SELECT s.account_id AS id, count(*) AS score FROM statuses s
      JOIN (SELECT status_id FROM favourites WHERE status_id >= ${floor}
            UNION ALL SELECT reblog_of_id FROM statuses WHERE reblog_of_id >= ${floor}) i ON i.status_id = s.id
     WHERE s.id >= ${floor} AND s.local AND s.deleted_at IS NULL AND s.created_at > now() - interval '30 days'
     GROUP BY s.account_id`;
  },
};

/** Mastodon's base filters for the friends of friends: only accounts that asked to be discovered. */
const SOURCE_FILTERS: Partial<Record<SuggestionSource, SQL>> = {
  friends_of_friends: sql`AND a.discoverable IS TRUE`,
};

/** The deprecated single `source`: Mastodon's REST::SuggestionSerializer mapping. */
export function legacySource(sources: SuggestionSource[]): 'past_interactions' | 'global' {
  return sources[0] === 'friends_of_friends' ? 'past_interactions' : 'global';
}

/**
 * Who to follow (Mastodon's AccountSuggestions): accounts picked by each source in turn, each with
 * every source that picked it, leaving out the member, those they follow or asked to, blocks and
 * mutes both ways, domains they blocked, dismissed suggestions, and limited, suspended, moved, memorial or
 * undiscoverable accounts (friends of friends only if they chose to be discoverable). The sources'
 * picks are cached for 15 minutes; the filters apply again on every request.
 */
export async function accountSuggestions(ctx: AppContext, viewerId: string, limit: number) {
  const dismissed = await dismissedSuggestions(ctx, viewerId);
  const notDismissed = dismissed.length
    ? sql`AND a.id NOT IN (${sql.join(
        dismissed.map((id) => sql`${id}::bigint`),
        sql`, `,
      )})`
    : sql``;
  const suggestable = sql`a.id <> ${viewerId} AND a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.moved_to_account_id IS NULL
    AND a.discoverable IS NOT FALSE AND ${usable} AND ${notExcludedBy(viewerId)}
    AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${viewerId} AND f.target_account_id = a.id)
    AND NOT EXISTS (SELECT 1 FROM follow_requests r WHERE r.account_id = ${viewerId} AND r.target_account_id = a.id)
    AND NOT a.memorial
    AND (a.domain IS NULL OR NOT EXISTS (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = ${viewerId} AND d.domain = a.domain))
    ${notDismissed}`;
  const picked = await cachedPicks(ctx, viewerId, suggestable);
  // the picks may be up to 15 minutes old: whom the member followed, blocked or dismissed since is left out now
  const stillSuggestable = picked.length
    ? new Set(
        (
          await queryRows<{ id: string }>(
            ctx.db,
            sql`SELECT a.id::text AS id FROM accounts a WHERE a.id IN (${sql.join(
              picked.map(([id]) => sql`${id}::bigint`),
              sql`, `,
            )}) AND ${suggestable}`,
          )
        ).map((row) => String(row.id)),
      )
    : new Set<string>();
  const kept = picked.filter(([id]) => stillSuggestable.has(id)).slice(0, limit);
  const sourcesById = new Map(kept);
  const found = await accountsInOrder(
    ctx,
    kept.map(([id]) => id),
  );
  return found.map((row) => ({ ...row, sources: sourcesById.get(row.account.id) ?? [] }));
}

/** The most suggestions a page may ask for: each source picks this many. */
const PICKS_PER_SOURCE = 80;
/** Mastodon's AccountSuggestions caches each member's picks for 15 minutes. */
const PICKS_TTL_SECONDS = 15 * 60;
const picksKey = (accountId: string) => `suggestions:picks:${accountId}`;

/** Each source's picks in turn, each account with every source that picked it; cached for a while, as ranking reads much. */
async function cachedPicks(ctx: AppContext, viewerId: string, suggestable: SQL): Promise<[string, SuggestionSource[]][]> {
  const cached = await ctx.cache.get(picksKey(viewerId));
  if (cached) return JSON.parse(cached) as [string, SuggestionSource[]][];
  const sourcesById = new Map<string, SuggestionSource[]>();
  for (const source of Object.keys(SOURCES) as SuggestionSource[]) {
    const rows = await queryRows<{ id: string | number }>(
      ctx.db,
      sql`SELECT picked.id::text AS id FROM (${SOURCES[source](viewerId)}) AS picked JOIN accounts a ON a.id = picked.id
           WHERE ${suggestable} ${SOURCE_FILTERS[source] ?? sql``} ORDER BY picked.score DESC, a.id DESC LIMIT ${PICKS_PER_SOURCE}`,
    );
    for (const { id } of rows) {
      const key = String(id);
      sourcesById.set(key, [...(sourcesById.get(key) ?? []), source]);
    }
  }
  const picks = [...sourcesById.entries()];
  await ctx.cache.set(picksKey(viewerId), JSON.stringify(picks), PICKS_TTL_SECONDS);
  return picks;
}

/** Drops the member's cached picks, so the next suggestions are ranked afresh. */
export async function forgetSuggestionPicks(ctx: AppContext, accountId: string) {
  await ctx.cache.del(picksKey(accountId));
}
