import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, accountWarnings, reports, statuses, type AccountWarningRow, type ReportRow } from '../../db/schema.ts';
import { WarningMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { PERMISSIONS, hasPermission } from '../../lib/user-roles.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';
import { deliverStatus } from '../activitypub/status-deliveries.ts';
import { notify } from '../notifications/notify.ts';
import { deleteStatus } from '../statuses/delete-status.ts';
import type { StatusRow } from '../statuses/post-status.ts';
import type { Staff } from './account-actions.ts';
import { resolveReport } from './admin-reports.ts';
import { recordStaffAction } from './audit-log.ts';

/** Admin::StatusBatchAction's types that act on statuses (with a strike): `sensitive` is the API's name of `mark_as_sensitive`. */
export const STATUS_ACTION_TYPES = ['delete', 'mark_as_sensitive', 'sensitive'] as const;

export interface StatusActionInput {
  type?: string;
  statusIds: string[];
  reportId?: string;
  text?: string;
  sendEmailNotification: boolean;
}

const refused = () => new ApiError(403, 'This action is not allowed');

/** Admin::StatusPolicy: staff who may manage reports act on statuses. */
function authorize(staff: Staff): void {
  if (!hasPermission(staff.user.role, PERMISSIONS.manageReports)) throw refused();
}

/** The status an admin route names (deleted ones included, as Status.with_discarded), or 404. */
export async function findStatusForStaff(ctx: AppContext, id: string): Promise<StatusRow> {
  if (!isRowId(id)) throw notFound();
  const [status] = await ctx.db.select().from(statuses).where(eq(statuses.id, id));
  if (!status) throw notFound();
  return status;
}

const statusLog = (ctx: AppContext, staff: Staff, action: string, status: StatusRow, summary: string) =>
  recordStaffAction(ctx, { accountId: staff.account.id, action, targetType: 'Status', targetId: status.id, summary: `${summary} status ${status.id}` });

/** Deletes a status as staff (its author's deletion, federated for a local one; a remote one's media goes at once). */
async function removeStatus(ctx: AppContext, staff: Staff, status: StatusRow): Promise<void> {
  if (!status.deletedAt) await deleteStatus(ctx, status.accountId, status.id, { removeMedia: !status.local });
  await statusLog(ctx, staff, 'destroy', status, 'deleted');
}

/** Marks a status's media sensitive (UpdateStatusService by the instance for a local status: an edit others are told of). */
async function setStatusSensitive(ctx: AppContext, status: StatusRow, sensitive: boolean): Promise<void> {
  await ctx.db
    .update(statuses)
    .set(status.local ? { sensitive, editedAt: sql`now()`, updatedAt: sql`now()` } : { sensitive, updatedAt: sql`now()` })
    .where(eq(statuses.id, status.id));
  await forgetStatusParts(ctx, [status.id]);
  await deliverStatus(ctx, status, 'update');
}

/** Status#with_media? || Status#with_preview_card?: what marking sensitive changes. */
async function withMediaOrCard(ctx: AppContext, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`
    SELECT s.id::text AS id FROM statuses s
     WHERE s.id IN (${sql.join(
       ids.map((id) => sql`${id}`),
       sql`, `,
     )})
       AND (EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id) OR EXISTS (SELECT 1 FROM preview_cards_statuses p WHERE p.status_id = s.id))`,
  );
  return new Set(rows.map((row) => String(row.id)));
}

/**
 * Admin::StatusBatchAction (delete, mark_as_sensitive): acts on statuses of one account (the first
 * status's author; others are left alone), resolves the report named, records a strike listing the
 * statuses (which an approved appeal undoes) and tells a local member by a notification and an
 * e-mail when `send_email_notification` asks for it. Returns the strike (none when nothing changed).
 */
export async function performStatusAction(ctx: AppContext, staff: Staff, input: StatusActionInput): Promise<AccountWarningRow | undefined> {
  const type = input.type ?? '';
  if (!(STATUS_ACTION_TYPES as readonly string[]).includes(type)) throw validationFailed(['Type is not included in the list']);
  authorize(staff);
  const ids = input.statusIds.filter(isRowId);
  if (ids.length === 0) return undefined;
  const found = await ctx.db.select().from(statuses).where(inArray(statuses.id, ids));
  const first = found.find((status) => status.id === ids[0]) ?? found[0];
  if (!first) throw notFound();
  const targets = found.filter((status) => status.accountId === first.accountId);
  const [target] = await ctx.db.select().from(accounts).where(eq(accounts.id, first.accountId));
  if (!target) throw notFound();
  let report: ReportRow | undefined;
  if (input.reportId) {
    if (!isRowId(input.reportId)) throw notFound();
    [report] = await ctx.db.select().from(reports).where(eq(reports.id, input.reportId));
    if (!report) throw notFound();
  }

  let acted: StatusRow[];
  if (type === 'delete') {
    for (const status of targets) await removeStatus(ctx, staff, status);
    acted = targets;
  } else {
    const eligible = await withMediaOrCard(
      ctx,
      targets.map((status) => status.id),
    );
    acted = targets.filter((status) => eligible.has(status.id));
    for (const status of acted) {
      await setStatusSensitive(ctx, status, true);
      await statusLog(ctx, staff, 'update', status, 'marked as sensitive');
    }
    if (acted.length === 0) return undefined;
  }
  if (report) await resolveReport(ctx, staff, report);
  const [strike] = await ctx.db
    .insert(accountWarnings)
    .values({
      accountId: staff.account.id,
      targetAccountId: target.id,
      action: type === 'delete' ? 'delete_statuses' : 'mark_statuses_as_sensitive',
      text: input.text ?? '',
      reportId: report?.id ?? null,
      statusIds: acted.map((status) => status.id),
    })
    .returning();
  if (input.sendEmailNotification && target.domain === null) {
    await notify(ctx, { recipientId: target.id, fromAccountId: staff.account.id, type: 'moderation_warning', accountWarningId: strike!.id });
    await enqueue(ctx, WarningMail, { accountWarningId: strike!.id });
  }
  return strike;
}

/** `DELETE /api/v1/admin/statuses/:id` (without a strike). */
export async function deleteStatusAsStaff(ctx: AppContext, staff: Staff, status: StatusRow): Promise<void> {
  authorize(staff);
  await removeStatus(ctx, staff, status);
}

/** `POST /api/v1/admin/statuses/:id/unsensitive`: a status with media no longer hides it. */
export async function unsensitizeStatus(ctx: AppContext, staff: Staff, status: StatusRow): Promise<StatusRow> {
  authorize(staff);
  if ((await withMediaOrCard(ctx, [status.id])).has(status.id)) await setStatusSensitive(ctx, status, false);
  await statusLog(ctx, staff, 'unsensitive', status, 'no longer marks as sensitive');
  return findStatusForStaff(ctx, status.id);
}

/**
 * An approved appeal of a status strike (AppealService#undo_delete_statuses! and
 * #undo_mark_statuses_as_sensitive!): the deleted statuses come back (here; the Delete other
 * servers got stands), the sensitive ones are shown again.
 */
export async function undoStatusStrike(ctx: AppContext, strike: AccountWarningRow): Promise<void> {
  const ids = strike.statusIds ?? [];
  if (ids.length === 0) return;
  if (strike.action === 'delete_statuses') {
    const restored = await ctx.db
      .update(statuses)
      .set({ deletedAt: null })
      .where(and(inArray(statuses.id, ids), eq(statuses.accountId, strike.targetAccountId), isNotNull(statuses.deletedAt)))
      .returning({ id: statuses.id, visibility: statuses.visibility });
    const counted = restored.filter((status) => status.visibility !== 'direct').length;
    if (counted) {
      await ctx.db
        .update(accounts)
        .set({ statusesCount: sql`${accounts.statusesCount} + ${counted}` })
        .where(eq(accounts.id, strike.targetAccountId));
    }
    await forgetStatusParts(
      ctx,
      restored.map((status) => status.id),
    );
    await forgetAccounts(ctx, [strike.targetAccountId]);
  } else if (strike.action === 'mark_statuses_as_sensitive') {
    const rows = await ctx.db
      .select()
      .from(statuses)
      .where(and(inArray(statuses.id, ids), isNull(statuses.deletedAt)));
    for (const status of rows) await setStatusSensitive(ctx, status, false);
  }
}
