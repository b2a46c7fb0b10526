import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, users } from '../../db/schema.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';

export interface AccountEntry {
  /** the id the page's cursor runs on (the relation row's id for blocks, follows, …) */
  cursor: string;
  account: AccountRow;
  user: UserRow | null;
}

/** Accounts with their local users, keyed by id. */
export async function loadAccounts(ctx: AppContext, ids: string[]): Promise<Map<string, { account: AccountRow; user: UserRow | null }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db.select({ account: accounts, user: users }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, unique));
  return new Map(rows.map((row) => [row.account.id, row]));
}

/** Accounts in the order of `ids`, skipping unknown ones. */
export async function accountsInOrder(ctx: AppContext, ids: string[]) {
  const loaded = await loadAccounts(ctx, ids);
  return ids.flatMap((id) => {
    const found = loaded.get(id);
    return found ? [found] : [];
  });
}

/**
 * One page of accounts reached through a relation table: `from` names the tables, `cursor` the
 * relation's id column, `account` the account id column, `where` what to keep. Newest first.
 */
export async function accountsThroughRelation(ctx: AppContext, query: { from: SQL; cursor: SQL; account: SQL; where: SQL }, page: Page): Promise<AccountEntry[]> {
  const rows = await queryRows<{ cursor: string; account_id: string }>(
    ctx.db,
    sql`SELECT ${query.cursor}::text AS cursor, ${query.account}::text AS account_id FROM ${query.from}
        WHERE ${query.where} AND ${pageCondition(query.cursor, page)}
        ORDER BY ${pageOrder(query.cursor, page)} LIMIT ${page.limit}`,
  );
  const ordered = finishPage(rows, page);
  const loaded = await loadAccounts(
    ctx,
    ordered.map((row) => row.account_id),
  );
  return ordered.flatMap((row) => {
    const found = loaded.get(row.account_id);
    return found ? [{ cursor: row.cursor, ...found }] : [];
  });
}

/** The roles of the local users behind accounts (what account rendering needs of a user), keyed by account id. */
export async function userRolesOf(ctx: AppContext, accountIds: string[]): Promise<Map<string, { accountId: string; role: UserRow['role'] }>> {
  if (accountIds.length === 0) return new Map();
  const rows = await ctx.db.select({ accountId: users.accountId, role: users.role }).from(users).where(inArray(users.accountId, accountIds));
  return new Map(rows.map((row) => [row.accountId, row]));
}
