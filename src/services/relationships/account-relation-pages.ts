import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { type AccountEntry, accountsInOrder, accountsThroughRelation } from '../accounts/account-pages.ts';
import { notExcludedBy, usable } from '../accounts/account-suggestions.ts';
import type { Page } from '../feeds/pagination.ts';

// The account lists of the API that run through one relation table, newest relation first; each
// entry's cursor is the relation's id (the Link header's).

/** `GET /api/v1/follow_requests`: the accounts asking to follow `accountId`. */
export function followRequesters(ctx: AppContext, accountId: string, page: Page): Promise<AccountEntry[]> {
  return accountsThroughRelation(ctx, { from: sql`follow_requests r`, cursor: sql`r.id`, account: sql`r.account_id`, where: sql`r.target_account_id = ${accountId}` }, page);
}

/** `GET /api/v1/blocks`. */
export function blockedAccounts(ctx: AppContext, accountId: string, page: Page): Promise<AccountEntry[]> {
  return accountsThroughRelation(ctx, { from: sql`blocks b`, cursor: sql`b.id`, account: sql`b.target_account_id`, where: sql`b.account_id = ${accountId}` }, page);
}

/** `GET /api/v1/mutes`: the muted accounts (mutes that have not expired), each with when its mute ends. */
export async function mutedAccounts(ctx: AppContext, accountId: string, page: Page): Promise<(AccountEntry & { muteExpiresAt: Date | null })[]> {
  const entries = await accountsThroughRelation(
    ctx,
    {
      from: sql`mutes m`,
      cursor: sql`m.id`,
      account: sql`m.target_account_id`,
      where: sql`m.account_id = ${accountId} AND (m.expires_at IS NULL OR m.expires_at > now())`,
    },
    page,
  );
  const expiries = entries.length
    ? await queryRows<{ id: string; expires_at: string | Date | null }>(
        ctx.db,
        sql`SELECT id::text AS id, expires_at FROM mutes WHERE id IN (${sql.join(
          entries.map((entry) => sql`${entry.cursor}::bigint`),
          sql`, `,
        )})`,
      )
    : [];
  const expiresAt = new Map(expiries.map((row) => [row.id, row.expires_at === null ? null : new Date(row.expires_at)]));
  return entries.map((entry) => ({ ...entry, muteExpiresAt: expiresAt.get(entry.cursor) ?? null }));
}

/** The accounts `accountId` endorses (features on its profile), suspended ones left out. */
export function endorsedAccounts(ctx: AppContext, accountId: string, page: Page): Promise<AccountEntry[]> {
  return accountsThroughRelation(
    ctx,
    {
      from: sql`account_pins p JOIN accounts a ON a.id = p.target_account_id`,
      cursor: sql`p.id`,
      account: sql`p.target_account_id`,
      where: sql`p.account_id = ${accountId} AND a.suspended_at IS NULL`,
    },
    page,
  );
}

/**
 * `GET /api/v1/accounts/:id/followers` and `following`: suspended accounts left out, and those the
 * viewer blocks, is blocked by or mutes (unless the viewer is the account itself).
 */
export function followersOrFollowing(ctx: AppContext, kind: 'followers' | 'following', accountId: string, viewerId: string | null, page: Page): Promise<AccountEntry[]> {
  const [mine, theirs] = kind === 'followers' ? [sql`f.target_account_id`, sql`f.account_id`] : [sql`f.account_id`, sql`f.target_account_id`];
  const excluded = viewerId && viewerId !== accountId ? notExcludedBy(viewerId) : sql`TRUE`;
  return accountsThroughRelation(
    ctx,
    { from: sql`follows f JOIN accounts a ON a.id = ${theirs}`, cursor: sql`f.id`, account: theirs, where: sql`${mine} = ${accountId} AND a.suspended_at IS NULL AND ${excluded}` },
    page,
  );
}

/** `GET /api/v1/directory`: discoverable accounts, by recent activity or newest first, at an offset. */
export async function directoryAccounts(
  ctx: AppContext,
  viewerId: string | null,
  options: { order: 'active' | 'new'; localOnly: boolean; offset: number; limit: number },
): Promise<Omit<AccountEntry, 'cursor'>[]> {
  const order = options.order === 'new' ? sql`a.id DESC` : sql`a.last_status_at DESC NULLS LAST, a.id DESC`;
  const local = options.localOnly ? sql`AND a.domain IS NULL` : sql``;
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT a.id::text AS id FROM accounts a
        WHERE a.discoverable = TRUE AND a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.moved_to_account_id IS NULL
          AND ${usable} AND ${notExcludedBy(viewerId)} ${local}
        ORDER BY ${order} OFFSET ${options.offset} LIMIT ${options.limit}`,
  );
  return accountsInOrder(
    ctx,
    rows.map((row) => row.id),
  );
}

/**
 * `GET /api/v1/accounts/familiar_followers`: for each of `ids` that exists, the ids of the accounts
 * the viewer follows that follow it, newest follow first (none for an account hiding its
 * collections), and those accounts, loaded once.
 */
export async function familiarFollowers(ctx: AppContext, viewerId: string, ids: string[]) {
  if (ids.length === 0) return { targets: [], followers: [] };
  const list = sql.join(
    ids.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  const existing = await queryRows<{ id: string; hidden: boolean }>(
    ctx.db,
    sql`SELECT id::text AS id, coalesce(hide_collections, FALSE) AS hidden FROM accounts WHERE id IN (${list}) AND suspended_at IS NULL`,
  );
  const present = new Map(existing.map((row) => [row.id, row.hidden]));
  const rows = await queryRows<{ target: string; follower: string }>(
    ctx.db,
    sql`SELECT f.target_account_id::text AS target, f.account_id::text AS follower
        FROM follows f
        JOIN follows mine ON mine.account_id = ${viewerId} AND mine.target_account_id = f.account_id
        JOIN accounts a ON a.id = f.account_id
        WHERE f.target_account_id IN (${list}) AND a.suspended_at IS NULL AND a.hide_collections IS NOT TRUE
        ORDER BY f.id DESC`,
  );
  const targets = ids
    .filter((id) => present.has(id))
    // an account hiding its collections shows no familiar followers either
    .map((id) => ({ id, followerIds: present.get(id) ? [] : rows.filter((row) => row.target === id).map((row) => row.follower) }));
  const followers = await accountsInOrder(
    ctx,
    rows.map((row) => row.follower),
  );
  return { targets, followers };
}
