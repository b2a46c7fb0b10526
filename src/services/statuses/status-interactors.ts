import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, favourites, statuses, users } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { findVisibleStatus } from './visibility.ts';
import type { AccountRow } from '../../db/schema.ts';

export interface Interactor {
  /** the cursor: the boost's status id or the favourite's id */
  cursorId: string;
  account: AccountRow;
  role: string | null;
}

/** Accounts hidden from the viewer in these lists: suspended ones, and those they block, mute or are blocked by. */
function notExcluded(viewerId: string | null) {
  const base = sql`${accounts.suspendedAt} IS NULL`;
  if (!viewerId) return base;
  return sql`${base}
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ${viewerId} AND b.target_account_id = ${accounts.id})
                                              OR (b.account_id = ${accounts.id} AND b.target_account_id = ${viewerId}))
    AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${viewerId} AND mu.target_account_id = ${accounts.id}
                      AND (mu.expires_at IS NULL OR mu.expires_at > now()))`;
}

async function visibleOriginal(ctx: AppContext, statusId: string, viewerId: string | null) {
  const status = await findVisibleStatus(ctx, statusId, viewerId);
  if (!status) throw notFound();
  return status;
}

/** Who boosted a status (publicly), newest boost first, paged by the boost's id (Mastodon's RebloggedByAccountsController). */
export async function rebloggedBy(ctx: AppContext, statusId: string, viewerId: string | null, page: Page): Promise<Interactor[]> {
  const status = await visibleOriginal(ctx, statusId, viewerId);
  const rows = await ctx.db
    .select({ cursorId: statuses.id, account: accounts, role: users.role })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(statuses.reblogOfId, status.id), isNull(statuses.deletedAt), inArray(statuses.visibility, ['public', 'unlisted']), notExcluded(viewerId), pageCondition(statuses.id, page)))
    .orderBy(pageOrder(statuses.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}

/** Who favourited a status, newest first, paged by the favourite's id (Mastodon's FavouritedByAccountsController). */
export async function favouritedBy(ctx: AppContext, statusId: string, viewerId: string | null, page: Page): Promise<Interactor[]> {
  const status = await visibleOriginal(ctx, statusId, viewerId);
  const rows = await ctx.db
    .select({ cursorId: favourites.id, account: accounts, role: users.role })
    .from(favourites)
    .innerJoin(accounts, eq(accounts.id, favourites.accountId))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(favourites.statusId, status.id), notExcluded(viewerId), pageCondition(favourites.id, page)))
    .orderBy(pageOrder(favourites.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}
