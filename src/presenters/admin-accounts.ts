import { inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { users, type AccountRow, type UserRow } from '../db/schema.ts';
import { serializeAdminAccount, type AdminAccountEntity, type UserIp } from '../serializers/admin-account.ts';
import { renderAccountRows } from './accounts.ts';

/**
 * The addresses of users (Mastodon's user_ips view): the sign-up address and those of browser
 * sessions, each with when it was last used, most recent first.
 */
async function userIps(ctx: AppContext, userIds: string[]): Promise<Map<string, UserIp[]>> {
  const byUser = new Map<string, UserIp[]>();
  if (userIds.length === 0) return byUser;
  const ids = sql.join(
    userIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await queryRows<{ user_id: string | number; ip: string; used_at: Date | string }>(
    ctx.db,
    sql`SELECT user_id, ip, max(used_at) AS used_at FROM (
          SELECT id AS user_id, sign_up_ip AS ip, created_at AS used_at FROM users WHERE id IN (${ids}) AND sign_up_ip IS NOT NULL
          UNION ALL
          SELECT user_id, ip, created_at AS used_at FROM session_activations WHERE user_id IN (${ids}) AND ip IS NOT NULL
        ) addresses GROUP BY user_id, ip ORDER BY max(used_at) DESC`,
  );
  for (const row of rows) {
    const list = byUser.get(String(row.user_id)) ?? [];
    list.push({ ip: row.ip, used_at: new Date(row.used_at).toISOString() });
    byUser.set(String(row.user_id), list);
  }
  return byUser;
}

/** Admin::Account entities for these accounts, in their order: their users and addresses in two queries. */
export async function renderAdminAccounts(ctx: AppContext, accountRows: readonly AccountRow[]): Promise<AdminAccountEntity[]> {
  if (accountRows.length === 0) return [];
  const userRows = await ctx.db
    .select()
    .from(users)
    .where(
      inArray(
        users.accountId,
        accountRows.map((account) => account.id),
      ),
    );
  const userOf = new Map<string, UserRow>(userRows.map((user) => [user.accountId, user]));
  const [rendered, ips] = await Promise.all([
    renderAccountRows(
      ctx,
      accountRows.map((account) => ({ account, user: userOf.get(account.id) ?? null })),
    ),
    userIps(
      ctx,
      userRows.map((user) => user.id),
    ),
  ]);
  return accountRows.map((account, i) => {
    const user = userOf.get(account.id) ?? null;
    return serializeAdminAccount(account, user, rendered[i]!, user ? (ips.get(user.id) ?? []) : []);
  });
}

export async function renderAdminAccount(ctx: AppContext, account: AccountRow): Promise<AdminAccountEntity> {
  const [rendered] = await renderAdminAccounts(ctx, [account]);
  return rendered!;
}
