import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';
import { isRowId } from '../../lib/ids.ts';

export interface VisibleAccount {
  account: AccountRow;
  /** the local user behind the account; null for remote accounts */
  user: UserRow | null;
}

/**
 * Local accounts are public only once their owner has confirmed their e-mail and been approved
 * (Mastodon's check_account_confirmation / check_account_approval); suspended ones stay visible
 * and are rendered as such.
 */
async function findVisible(ctx: AppContext, where: SQL | undefined): Promise<VisibleAccount | undefined> {
  const [row] = await ctx.db.select({ account: accounts, user: users }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(where).limit(1);
  if (!row) return undefined;
  if (!row.account.domain && (!row.user?.confirmedAt || !row.user.approved)) return undefined;
  return row;
}

/** `GET /api/v1/accounts/:id`: undefined for unknown, malformed or not yet public ids. */
export async function findAccountById(ctx: AppContext, id: string): Promise<VisibleAccount | undefined> {
  if (!isRowId(id)) return undefined;
  return findVisible(ctx, eq(accounts.id, BigInt(id).toString()));
}

/** Whether `domain` names this instance (LOCAL_DOMAIN or WEB_DOMAIN). */
export function isLocalDomain(ctx: AppContext, domain: string): boolean {
  const lower = domain.toLowerCase();
  return lower === ctx.config.localDomain.toLowerCase() || lower === ctx.config.webDomain.toLowerCase();
}

/**
 * `GET /api/v1/accounts/lookup`: `user`, `@user`, `user@this.domain` or an already known
 * `user@remote.domain`; nothing is fetched from other servers.
 */
export async function lookupAccount(ctx: AppContext, acct: string): Promise<VisibleAccount | undefined> {
  const trimmed = acct.trim().replace(/^@/, '');
  const at = trimmed.indexOf('@');
  const username = at === -1 ? trimmed : trimmed.slice(0, at);
  const domain = at === -1 ? null : trimmed.slice(at + 1);
  if (!username || domain === '' || domain?.includes('@')) return undefined;
  const sameName = sql`lower(${accounts.username}) = lower(${username})`;
  if (domain === null || isLocalDomain(ctx, domain)) return findVisible(ctx, and(sameName, isNull(accounts.domain)));
  return findVisible(ctx, and(sameName, sql`lower(${accounts.domain}) = lower(${domain})`));
}
