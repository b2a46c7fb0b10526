import { eq, inArray, or } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, users } from '../db/schema.ts';
import { customEmojisInTexts, type EmojifiableText } from '../services/emojis/custom-emojis.ts';
import type { AccountRow, UserRow } from '../services/oauth/authenticate-token.ts';
import type { Account } from '../serializers/entities.ts';
import { serializeLoadedAccount, type LoadedAccount } from '../serializers/account.ts';
import { cachedAccounts, keepAccounts } from './account-cache.ts';

export type RenderedAccount = Account;

/** What Mastodon's Account#emojifiable_text scans: the bio, the display name and the fields' names and values. */
export function profileEmojiTexts(account: AccountRow, key: string): EmojifiableText[] {
  if (account.suspendedAt) return [];
  return [{ key, texts: [account.note, account.displayName, ...account.fields.flatMap((field) => [field.name, field.value])], domain: account.domain }];
}

/** Account rows and their users' roles for these ids and for the accounts they moved to, in one query. */
export async function loadAccountRows(ctx: AppContext, ids: readonly string[]): Promise<{ account: AccountRow; role: string | null }[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const movedTo = ctx.db.select({ id: accounts.movedToAccountId }).from(accounts).where(inArray(accounts.id, unique));
  return ctx.db
    .select({ account: accounts, role: users.role })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(or(inArray(accounts.id, unique), inArray(accounts.id, movedTo)));
}

/** Rows already loaded (with the accounts they moved to), given the custom emoji of their profiles: one query. */
export async function withProfileEmojis(ctx: AppContext, rows: readonly { account: AccountRow; role: string | null }[]): Promise<Map<string, LoadedAccount>> {
  const found = await customEmojisInTexts(
    ctx,
    rows.flatMap((row) => profileEmojiTexts(row.account, row.account.id)),
  );
  return new Map(rows.map((row) => [row.account.id, { account: row.account, role: row.role, emojis: found.get(row.account.id) ?? [] }]));
}

/**
 * Account entities for these ids (in no particular order): from the shared cache
 * (account-cache.ts), and two queries at most for those not there, then kept.
 */
export async function renderAccountsById(ctx: AppContext, ids: readonly string[]): Promise<Map<string, RenderedAccount>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const cached = await cachedAccounts(ctx, unique);
  const { found } = cached;
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length === 0) return found;
  const loaded = await withProfileEmojis(ctx, await loadAccountRows(ctx, missing));
  const rendered = missing.flatMap((id) => {
    const account = loaded.get(id);
    return account ? [{ account: serializeLoadedAccount(ctx, loaded, account), moved: !!account.account.movedToAccountId }] : [];
  });
  for (const { account } of rendered) found.set(account.id, account);
  await keepAccounts(ctx, cached, rendered);
  return found;
}

/**
 * Account entities for rows already loaded, in their order. Accounts that moved show the account
 * they moved to (`moved`, REST::AccountSerializer's), rendered without nesting: one more query
 * when any of them moved.
 */
export async function renderAccountRows(ctx: AppContext, rows: readonly { account: AccountRow; user?: Pick<UserRow, 'role'> | null }[]): Promise<RenderedAccount[]> {
  const movedIds = [...new Set(rows.flatMap((row) => row.account.movedToAccountId ?? []))];
  const moved = movedIds.length
    ? await ctx.db.select({ account: accounts, role: users.role }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, movedIds))
    : [];
  const loaded = await withProfileEmojis(ctx, [...moved, ...rows.map((row) => ({ account: row.account, role: row.user?.role ?? null }))]);
  return rows.map((row) => serializeLoadedAccount(ctx, loaded, { ...loaded.get(row.account.id)!, role: row.user?.role ?? null }));
}

/** One Account entity, with what it moved to and its custom emoji. */
export async function renderAccount(ctx: AppContext, account: AccountRow, user?: Pick<UserRow, 'role'> | null): Promise<RenderedAccount> {
  const [rendered] = await renderAccountRows(ctx, [{ account, user }]);
  return rendered!;
}
