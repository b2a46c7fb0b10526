import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, statuses, users } from '../db/schema.ts';
import { serializeAccount } from '../serializers/account.ts';
import { emojisOfAccounts } from '../serializers/account-emojis.ts';
import type { StatusRow } from '../serializers/status.ts';
import type { AccountRow, UserRow } from './oauth/authenticate-token.ts';

export type RenderedAccount = ReturnType<typeof serializeAccount>;

/** Account entities for these ids (in no particular order), loaded in one query. */
export async function renderAccountsById(ctx: AppContext, ids: string[]): Promise<Map<string, RenderedAccount>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({ account: accounts, role: users.role })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(inArray(accounts.id, unique));
  const rendered = await renderAccountRows(
    ctx,
    rows.map((row) => ({ account: row.account, user: { role: row.role } })),
  );
  return new Map(rendered.map((account) => [account.id, account]));
}

/**
 * Account entities for rows already loaded, in their order. Accounts that moved show the account
 * they moved to (`moved`, REST::AccountSerializer's), rendered without nesting: one more query
 * when any of them moved.
 */
export async function renderAccountRows(ctx: AppContext, rows: readonly { account: AccountRow; user?: Pick<UserRow, 'role'> | null }[]): Promise<RenderedAccount[]> {
  const movedIds = [...new Set(rows.flatMap((row) => row.account.movedToAccountId ?? []))];
  const moved = movedIds.length ? await ctx.db.select({ account: accounts, role: users.role }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, movedIds)) : [];
  const emojis = await emojisOfAccounts(ctx, [...rows, ...moved].map((row) => row.account));
  const movedById = new Map(moved.map((row) => [row.account.id, serializeAccount(ctx, row.account, { role: row.role }, null, emojis.get(row.account.id))]));
  return rows.map((row) =>
    serializeAccount(ctx, row.account, row.user ?? null, row.account.movedToAccountId ? movedById.get(row.account.movedToAccountId) : null, emojis.get(row.account.id)),
  );
}

/** One Account entity, with what it moved to and its custom emoji. */
export async function renderAccount(ctx: AppContext, account: AccountRow, user?: Pick<UserRow, 'role'> | null): Promise<RenderedAccount> {
  const [rendered] = await renderAccountRows(ctx, [{ account, user }]);
  return rendered!;
}

/** Status rows for these ids, keyed by id. */
export async function statusRowsById(ctx: AppContext, ids: string[]): Promise<Map<string, StatusRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db.select().from(statuses).where(inArray(statuses.id, unique));
  return new Map(rows.map((row) => [row.id, row]));
}

