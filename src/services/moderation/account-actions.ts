import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountWarnings, accounts, reports, users, type AccountRow, type AccountWarningRow, type ReportRow, type UserRow } from '../../db/schema.ts';
import { PurgeSuspendedAccount, WarningMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { PERMISSIONS, hasPermission, outranks } from '../../lib/user-roles.ts';
import { approveUser } from '../accounts/approve-account.ts';
import { deleteLocalAccount } from '../accounts/delete-account.ts';
import { modifyUser } from '../accounts/modify-user.ts';
import { notify } from '../notifications/notify.ts';
import { recordStaffAction } from './audit-log.ts';
import { resolveReport } from './admin-reports.ts';
import { warningText } from './warning-presets.ts';
import { setSensitized, setSilenced, suspendAccount, suspendedTemporarily, unsuspendAccount } from './suspend-account.ts';

/** The staff member acting: their account and user (the admin guard checked they may use the admin API). */
export interface Staff {
  account: AccountRow;
  user: UserRow;
}

/** Admin::AccountAction::TYPES. */
export const ACCOUNT_ACTION_TYPES = ['none', 'disable', 'sensitive', 'silence', 'suspend'] as const;

export interface AccountActionInput {
  type?: string;
  reportId?: string;
  warningPresetId?: string;
  text?: string;
  sendEmailNotification: boolean;
  /** whether the strike lists the report's statuses (true unless said otherwise) */
  includeStatuses: boolean;
}

const refused = () => new ApiError(403, 'This action is not allowed');
const acct = (account: AccountRow) => (account.domain ? `@${account.username}@${account.domain}` : `@${account.username}`);

/** The account an admin route names, or 404. */
export async function findAccountForStaff(ctx: AppContext, id: string): Promise<AccountRow> {
  if (!isRowId(id)) throw notFound();
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, id));
  if (!account) throw notFound();
  return account;
}

async function userOf(ctx: AppContext, account: AccountRow): Promise<UserRow | null> {
  if (account.domain !== null) return null;
  const [user] = await ctx.db.select().from(users).where(eq(users.accountId, account.id));
  return user ?? null;
}

/** Mastodon's policies: `permission`, and for actions against someone, a role above theirs (UserRole#overrides?). */
function authorize(staff: Staff, permission: number, target?: { user: UserRow | null }): void {
  if (!hasPermission(staff.user.role, permission)) throw refused();
  if (target && !outranks(staff.user.role, target.user?.role ?? null)) throw refused();
}

async function log(ctx: AppContext, staff: Staff, action: string, target: AccountRow, summary: string) {
  await recordStaffAction(ctx, { accountId: staff.account.id, action, targetType: 'Account', targetId: target.id, summary: `${summary} ${acct(target)}` });
}

/** `POST /api/v1/admin/accounts/:id/approve`: a pending sign-up is let in (UserPolicy#approve?). */
export async function approveAccount(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  const user = await userOf(ctx, account);
  if (!user || user.approved) throw refused();
  authorize(staff, PERMISSIONS.manageUsers);
  await approveUser(ctx, user.id);
  await log(ctx, staff, 'approve', account, 'approved the sign-up of');
}

/** `POST /api/v1/admin/accounts/:id/reject`: a pending sign-up is deleted, its username and address free again. */
export async function rejectAccount(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  const user = await userOf(ctx, account);
  if (!user || user.approved) throw refused();
  authorize(staff, PERMISSIONS.manageUsers);
  await log(ctx, staff, 'reject', account, 'rejected the sign-up of');
  await deleteLocalAccount(ctx, account.id);
}

/** The report an action names: it must be about this account (else 404, as Report.find would not find it for the form). */
async function reportFor(ctx: AppContext, account: AccountRow, reportId: string | undefined): Promise<ReportRow | null> {
  if (!reportId) return null;
  if (!isRowId(reportId)) throw notFound();
  const [report] = await ctx.db
    .select()
    .from(reports)
    .where(and(eq(reports.id, reportId), eq(reports.targetAccountId, account.id)));
  if (!report) throw notFound();
  return report;
}

/**
 * `POST /api/v1/admin/accounts/:id/action` (Admin::AccountAction): applies the action, records a
 * strike with the text, resolves the report named (with `none`) or every open report about the
 * account (with any other type), and tells a local member through a `moderation_warning`
 * notification and an e-mail when `send_email_notification` asks for it. Returns the strike.
 */
export async function performAccountAction(ctx: AppContext, staff: Staff, account: AccountRow, input: AccountActionInput): Promise<AccountWarningRow> {
  const type = input.type ?? '';
  if (!(ACCOUNT_ACTION_TYPES as readonly string[]).includes(type)) throw validationFailed(['Type is not included in the list']);
  const text = await warningText(ctx, input.warningPresetId, input.text);
  const report = await reportFor(ctx, account, input.reportId);
  const user = await userOf(ctx, account);
  if (type === 'disable' && !user) throw refused();
  authorize(staff, type === 'none' ? PERMISSIONS.manageUsers | PERMISSIONS.manageReports : PERMISSIONS.manageUsers, { user });

  switch (type) {
    case 'disable':
      await modifyUser(ctx, user!, { disabled: true });
      await log(ctx, staff, 'disable', account, 'disabled the login of');
      break;
    case 'sensitive':
      await setSensitized(ctx, account, true);
      await log(ctx, staff, 'sensitive', account, 'marked as sensitive the media of');
      break;
    case 'silence':
      await setSilenced(ctx, account, true);
      await log(ctx, staff, 'silence', account, 'limited');
      break;
    case 'suspend':
      await suspendAccount(ctx, account);
      await log(ctx, staff, 'suspend', account, 'suspended');
      break;
  }

  const [strike] = await ctx.db
    .insert(accountWarnings)
    .values({
      accountId: staff.account.id,
      targetAccountId: account.id,
      action: type,
      text,
      reportId: report?.id ?? null,
      statusIds: report && input.includeStatuses && report.statusIds.length ? report.statusIds : null,
    })
    .returning();
  // a warning without an action is worth a log entry only when someone wrote something
  if (type === 'none' && text.trim()) {
    await recordStaffAction(ctx, { accountId: staff.account.id, action: 'create', targetType: 'AccountWarning', targetId: strike!.id, summary: `sent a warning to ${acct(account)}` });
  }

  const toResolve =
    type === 'none'
      ? report
        ? [report]
        : []
      : await ctx.db
          .select()
          .from(reports)
          .where(and(eq(reports.targetAccountId, account.id), isNull(reports.actionTakenAt)));
  for (const open of toResolve) await resolveReport(ctx, staff, open);

  if (input.sendEmailNotification && account.domain === null) {
    await notify(ctx, { recipientId: account.id, fromAccountId: staff.account.id, type: 'moderation_warning', accountWarningId: strike!.id });
    await enqueue(ctx, WarningMail, { accountWarningId: strike!.id });
  }
  return strike!;
}

/** `POST /api/v1/admin/accounts/:id/enable`: the login works again. */
export async function enableAccount(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  const user = await userOf(ctx, account);
  if (!user) throw refused();
  authorize(staff, PERMISSIONS.manageUsers);
  await modifyUser(ctx, user, { disabled: false });
  await log(ctx, staff, 'enable', account, 'enabled the login of');
}

/** `POST /api/v1/admin/accounts/:id/unsilence`. */
export async function unsilenceAccount(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  authorize(staff, PERMISSIONS.manageUsers);
  await setSilenced(ctx, account, false);
  await log(ctx, staff, 'unsilence', account, 'lifted the limit on');
}

/** `POST /api/v1/admin/accounts/:id/unsensitive`. */
export async function unsensitizeAccount(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  authorize(staff, PERMISSIONS.manageUsers);
  await setSensitized(ctx, account, false);
  await log(ctx, staff, 'unsensitive', account, 'no longer marks as sensitive the media of');
}

/** `POST /api/v1/admin/accounts/:id/unsuspend`: only a suspension made here can be lifted (AccountPolicy#unsuspend?). */
export async function liftSuspension(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  authorize(staff, PERMISSIONS.manageUsers);
  if (!account.suspendedAt || account.suspensionOrigin !== 'local') throw refused();
  await unsuspendAccount(ctx, account);
  await log(ctx, staff, 'unsuspend', account, 'lifted the suspension of');
}

/**
 * `DELETE /api/v1/admin/accounts/:id`: the content of an account suspended here is deleted now
 * rather than after 30 days (AccountPolicy#destroy?: suspended, content still kept, delete_user_data).
 */
export async function deleteSuspendedAccount(ctx: AppContext, staff: Staff, account: AccountRow): Promise<void> {
  authorize(staff, PERMISSIONS.deleteUserData);
  if (!(await suspendedTemporarily(ctx, account))) throw refused();
  await log(ctx, staff, 'destroy', account, 'deleted the data of');
  await enqueue(ctx, PurgeSuspendedAccount, { accountId: account.id });
}
