import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import { PERMISSIONS, ROLES, hasPermission, type RoleName } from '../../lib/user-roles.ts';
import { notify } from './notify.ts';

/** The local accounts whose role holds `permission` (User.those_who_can), signed in or not, but not suspended or disabled. */
async function staffWho(ctx: AppContext, permission: number): Promise<string[]> {
  return (await staffUsersWho(ctx, permission)).map((row) => row.accountId);
}

/** The same staff with their e-mail addresses (AdminMailer's recipients). */
export async function staffUsersWho(ctx: AppContext, permission: number): Promise<{ accountId: string; username: string; email: string }[]> {
  const roles = (Object.keys(ROLES) as RoleName[]).filter((role) => hasPermission(role, permission));
  return ctx.db
    .select({ accountId: accounts.id, username: accounts.username, email: users.email })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(inArray(users.role, roles), eq(users.disabled, false), isNull(accounts.suspendedAt)));
}

/**
 * Tells staff about something to review, as Mastodon's LocalNotificationWorker does: `admin.report`
 * (from the reporter, naming the report) to those who may manage reports, `admin.sign_up` (from
 * the new account) to those who may manage users. A failure is logged: the report or sign-up stands.
 */
export async function notifyStaff(ctx: AppContext, event: { type: 'admin.report'; fromAccountId: string; reportId: string } | { type: 'admin.sign_up'; fromAccountId: string }): Promise<void> {
  try {
    const permission = event.type === 'admin.report' ? PERMISSIONS.manageReports : PERMISSIONS.manageUsers;
    for (const recipientId of await staffWho(ctx, permission)) {
      await notify(ctx, { recipientId, fromAccountId: event.fromAccountId, type: event.type, reportId: event.type === 'admin.report' ? event.reportId : undefined });
    }
  } catch (error) {
    ctx.log.warn({ err: error, type: event.type }, 'could not notify staff');
  }
}
