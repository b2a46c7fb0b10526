import { and, desc, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountWarnings, accounts, appeals, users, type AccountRow, type AccountWarningRow, type AppealRow } from '../../db/schema.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { PERMISSIONS, hasPermission } from '../../lib/user-roles.ts';
import { modifyUser } from '../accounts/modify-user.ts';
import type { Staff } from './account-actions.ts';
import { AppealMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { undoStatusStrike } from './status-actions.ts';
import { recordStaffAction } from './audit-log.ts';
import { setSensitized, setSilenced, unsuspendAccount } from './suspend-account.ts';

/** Appeal::MAX_STRIKE_AGE: a strike can be appealed for 20 days. */
export const MAX_STRIKE_AGE_DAYS = 20;
/** Appeal's text limit. */
export const APPEAL_TEXT_LIMIT = 2_000;

/** A member's strikes, newest first (what `/disputes/strikes` lists). */
export function strikesOf(ctx: AppContext, accountId: string): Promise<AccountWarningRow[]> {
  return ctx.db.select().from(accountWarnings).where(eq(accountWarnings.targetAccountId, accountId)).orderBy(desc(accountWarnings.id));
}

/** A member's strikes with their appeals, newest first (what staff see of the account). */
export function strikesWithAppeals(ctx: AppContext, accountId: string): Promise<{ strike: AccountWarningRow; appeal: AppealRow | null }[]> {
  return ctx.db
    .select({ strike: accountWarnings, appeal: appeals })
    .from(accountWarnings)
    .leftJoin(appeals, eq(appeals.accountWarningId, accountWarnings.id))
    .where(eq(accountWarnings.targetAccountId, accountId))
    .orderBy(desc(accountWarnings.id));
}

/** A strike by id (one that exists: an appeal's). */
export async function strikeById(ctx: AppContext, id: string): Promise<AccountWarningRow> {
  const [strike] = await ctx.db.select().from(accountWarnings).where(eq(accountWarnings.id, id));
  if (!strike) throw notFound();
  return strike;
}

/** One of the member's strikes with its appeal, or 404. */
export async function ownStrike(ctx: AppContext, accountId: string, id: string): Promise<{ strike: AccountWarningRow; appeal: AppealRow | null }> {
  if (!isRowId(id)) throw notFound();
  const [row] = await ctx.db
    .select({ strike: accountWarnings, appeal: appeals })
    .from(accountWarnings)
    .leftJoin(appeals, eq(appeals.accountWarningId, accountWarnings.id))
    .where(and(eq(accountWarnings.id, id), eq(accountWarnings.targetAccountId, accountId)));
  if (!row) throw notFound();
  return row;
}

/** AccountWarning#appealable?: recent enough, not overruled, not appealed yet. */
export function appealable(strike: AccountWarningRow, appeal: AppealRow | null, now = Date.now()): boolean {
  return !appeal && !strike.overruledAt && now - strike.createdAt.getTime() <= MAX_STRIKE_AGE_DAYS * 24 * 3600 * 1000;
}

/** Disputes::AppealsController#create (AppealService): the member asks staff to reconsider a strike. */
export async function appealStrike(ctx: AppContext, account: AccountRow, strikeId: string, text: string): Promise<AppealRow> {
  const { strike, appeal } = await ownStrike(ctx, account.id, strikeId);
  if (!appealable(strike, appeal)) throw validationFailed(['This strike can no longer be appealed']);
  const trimmed = text.trim();
  if (!trimmed) throw validationFailed(["Text can't be blank"]);
  if ([...trimmed].length > APPEAL_TEXT_LIMIT) throw validationFailed([`Text is too long (maximum is ${APPEAL_TEXT_LIMIT} characters)`]);
  const [created] = await ctx.db.insert(appeals).values({ accountId: account.id, accountWarningId: strike.id, text: trimmed }).onConflictDoNothing().returning();
  if (!created) throw validationFailed(['This strike can no longer be appealed']);
  await enqueue(ctx, AppealMail, { appealId: created.id });
  return created;
}

async function pendingAppeal(ctx: AppContext, staff: Staff, appealId: string) {
  if (!hasPermission(staff.user.role, PERMISSIONS.manageAppeals)) throw new ApiError(403, 'This action is not allowed');
  if (!isRowId(appealId)) throw notFound();
  const [row] = await ctx.db
    .select({ appeal: appeals, strike: accountWarnings, account: accounts })
    .from(appeals)
    .innerJoin(accountWarnings, eq(accountWarnings.id, appeals.accountWarningId))
    .innerJoin(accounts, eq(accounts.id, accountWarnings.targetAccountId))
    .where(eq(appeals.id, appealId));
  if (!row) throw notFound();
  if (row.appeal.approvedAt || row.appeal.rejectedAt) throw new ApiError(403, 'This action is not allowed');
  return row;
}

/** What an approved appeal undoes (AppealService#undo_strike_action). */
async function undoStrike(ctx: AppContext, strike: AccountWarningRow, account: AccountRow): Promise<void> {
  switch (strike.action) {
    case 'disable': {
      const [user] = await ctx.db.select().from(users).where(eq(users.accountId, account.id));
      if (user) await modifyUser(ctx, user, { disabled: false });
      break;
    }
    case 'sensitive':
      await setSensitized(ctx, account, false);
      break;
    case 'silence':
      await setSilenced(ctx, account, false);
      break;
    case 'suspend':
      await unsuspendAccount(ctx, account);
      break;
    case 'delete_statuses':
    case 'mark_statuses_as_sensitive':
      await undoStatusStrike(ctx, strike);
      break;
  }
}

/** Records staff's decision on a pending appeal (once: a decided appeal is 403), in the audit log too. */
async function decide(ctx: AppContext, staff: Staff, appealId: string, decision: 'approve' | 'reject') {
  const { appeal, strike, account } = await pendingAppeal(ctx, staff, appealId);
  const now = new Date();
  const [decided] = await ctx.db
    .update(appeals)
    .set(decision === 'approve' ? { approvedAt: now, approvedByAccountId: staff.account.id, updatedAt: now } : { rejectedAt: now, rejectedByAccountId: staff.account.id, updatedAt: now })
    .where(and(eq(appeals.id, appeal.id), isNull(appeals.approvedAt), isNull(appeals.rejectedAt)))
    .returning();
  if (!decided) throw new ApiError(403, 'This action is not allowed');
  await recordStaffAction(ctx, {
    accountId: staff.account.id,
    action: decision,
    targetType: 'Appeal',
    targetId: appeal.id,
    summary: `${decision}d the appeal of @${account.username} against a ${strike.action} strike`,
  });
  return { appeal: decided, strike, account };
}

/** Admin::Disputes::AppealsController#approve: the strike is overruled and its action undone. */
export async function approveAppeal(ctx: AppContext, staff: Staff, appealId: string): Promise<AppealRow> {
  const { appeal, strike, account } = await decide(ctx, staff, appealId, 'approve');
  await ctx.db.update(accountWarnings).set({ overruledAt: new Date(), updatedAt: new Date() }).where(eq(accountWarnings.id, strike.id));
  await undoStrike(ctx, strike, account);
  return appeal;
}

/** Admin::Disputes::AppealsController#reject: the strike stands. */
export async function rejectAppeal(ctx: AppContext, staff: Staff, appealId: string): Promise<AppealRow> {
  return (await decide(ctx, staff, appealId, 'reject')).appeal;
}
