import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import { NewReportMail, PendingAccountMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { PERMISSIONS, ROLES, hasPermission, type RoleName } from '../../lib/user-roles.ts';
import { notificationEmailSettings } from '../accounts/notification-emails.ts';
import { notify } from './notify.ts';

/**
 * The local members whose role holds `permission` (User.those_who_can), signed in or not, but not
 * suspended or disabled; with their addresses and settings, for AdminMailer's mails.
 */
export async function staffUsersWho(ctx: AppContext, permission: number) {
  const roles = (Object.keys(ROLES) as RoleName[]).filter((role) => hasPermission(role, permission));
  return ctx.db
    .select({ accountId: accounts.id, userId: users.id, settings: users.settings, username: accounts.username, email: users.email })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(inArray(users.role, roles), eq(users.disabled, false), isNull(accounts.suspendedAt)));
}

/**
 * Tells staff about something to review, as Mastodon's LocalNotificationWorker does: `admin.report`
 * (from the reporter, naming the report) to those who may manage reports, `admin.sign_up` (from
 * the new account) to those who may manage users. A report is also mailed to those of them who
 * want it (`notification_emails.report`, AdminMailer#new_report). A failure is logged: the report
 * or sign-up stands.
 */
export async function notifyStaff(ctx: AppContext, event: { type: 'admin.report'; fromAccountId: string; reportId: string } | { type: 'admin.sign_up'; fromAccountId: string }): Promise<void> {
  try {
    const permission = event.type === 'admin.report' ? PERMISSIONS.manageReports : PERMISSIONS.manageUsers;
    for (const staff of await staffUsersWho(ctx, permission)) {
      await notify(ctx, { recipientId: staff.accountId, fromAccountId: event.fromAccountId, type: event.type, reportId: event.type === 'admin.report' ? event.reportId : undefined });
      if (event.type === 'admin.report' && notificationEmailSettings(staff.settings).emails.report) {
        await enqueue(ctx, NewReportMail, { recipientUserId: staff.userId, reportId: event.reportId });
      }
    }
  } catch (error) {
    ctx.log.warn({ err: error, type: event.type }, 'could not notify staff');
  }
}

/**
 * User#notify_staff_about_pending_account!: once a member who awaits approval has confirmed their
 * address, staff who may manage users and want it (`notification_emails.pending_account`) are mailed.
 */
export async function mailStaffAboutPendingAccount(ctx: AppContext, userId: string): Promise<void> {
  try {
    for (const staff of await staffUsersWho(ctx, PERMISSIONS.manageUsers)) {
      if (notificationEmailSettings(staff.settings).emails.pending_account) await enqueue(ctx, PendingAccountMail, { recipientUserId: staff.userId, userId });
    }
  } catch (error) {
    ctx.log.warn({ err: error, userId }, 'could not mail staff about a pending account');
  }
}
