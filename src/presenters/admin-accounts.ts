import { eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { invites, users, type AccountRow, type UserRow } from '../db/schema.ts';
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

/** The account of whoever made the invite each user signed up with: user id → account id. */
async function inviters(ctx: AppContext, userRows: readonly UserRow[]): Promise<Map<string, string>> {
  const inviteIds = [...new Set(userRows.flatMap((user) => (user.inviteId ? [user.inviteId] : [])))];
  if (inviteIds.length === 0) return new Map();
  const rows = await ctx.db.select({ inviteId: invites.id, accountId: users.accountId }).from(invites).innerJoin(users, eq(users.id, invites.userId)).where(inArray(invites.id, inviteIds));
  const accountOfInvite = new Map(rows.map((row) => [row.inviteId, row.accountId]));
  return new Map(userRows.flatMap((user) => (user.inviteId && accountOfInvite.has(user.inviteId) ? [[user.id, accountOfInvite.get(user.inviteId)!]] : [])));
}

/** Admin::Account entities for these accounts, in their order: their users, addresses and inviters in a few queries. */
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
  const [rendered, ips, invitedBy] = await Promise.all([
    renderAccountRows(
      ctx,
      accountRows.map((account) => ({ account, user: userOf.get(account.id) ?? null })),
    ),
    userIps(
      ctx,
      userRows.map((user) => user.id),
    ),
    inviters(ctx, userRows),
  ]);
  return accountRows.map((account, i) => {
    const user = userOf.get(account.id) ?? null;
    return serializeAdminAccount(account, user, rendered[i]!, user ? (ips.get(user.id) ?? []) : [], user ? invitedBy.get(user.id) : undefined);
  });
}

export async function renderAdminAccount(ctx: AppContext, account: AccountRow): Promise<AdminAccountEntity> {
  const [rendered] = await renderAdminAccounts(ctx, [account]);
  return rendered!;
}
