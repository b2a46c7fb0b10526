import { and, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, reports, type ReportRow } from '../../db/schema.ts';
import type { Staff } from './account-actions.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { recordStaffAction } from './audit-log.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';
import { REPORT_CATEGORIES } from './report-account.ts';
import { knownRuleIds } from '../instance/rules.ts';

/** Mastodon's ReportFilter keys the admin API takes. */
export interface ReportFilter {
  /** resolved reports instead of open ones */
  resolved: boolean;
  accountId?: string;
  targetAccountId?: string;
}

/** A page of reports, newest first: open ones unless `resolved` (ReportFilter#results). */
export async function filterReports(ctx: AppContext, filter: ReportFilter, page: Page): Promise<ReportRow[]> {
  const where: SQL[] = [pageCondition(reports.id, page), filter.resolved ? isNotNull(reports.actionTakenAt) : isNull(reports.actionTakenAt)];
  for (const [column, value] of [
    [reports.accountId, filter.accountId],
    [reports.targetAccountId, filter.targetAccountId],
  ] as const) {
    if (value === undefined) continue;
    if (!isRowId(value)) return [];
    where.push(eq(column, value));
  }
  const rows = await ctx.db
    .select()
    .from(reports)
    .where(and(...where))
    .orderBy(pageOrder(reports.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}

export async function findReport(ctx: AppContext, id: string): Promise<ReportRow> {
  if (!isRowId(id)) throw notFound();
  const [report] = await ctx.db.select().from(reports).where(eq(reports.id, id));
  if (!report) throw notFound();
  return report;
}

async function targetAcct(ctx: AppContext, report: ReportRow): Promise<string> {
  const [target] = await ctx.db.select({ username: accounts.username, domain: accounts.domain }).from(accounts).where(eq(accounts.id, report.targetAccountId));
  return target ? (target.domain ? `@${target.username}@${target.domain}` : `@${target.username}`) : 'a deleted account';
}

async function change(ctx: AppContext, staff: Staff, report: ReportRow, values: Partial<typeof reports.$inferInsert>, action: string, summary: string): Promise<ReportRow> {
  const [updated] = await ctx.db
    .update(reports)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(reports.id, report.id))
    .returning();
  await recordStaffAction(ctx, { accountId: staff.account.id, action, targetType: 'Report', targetId: report.id, summary: `${summary} #${report.id} about ${await targetAcct(ctx, report)}` });
  await triggerWebhook(ctx, 'report.updated', report.id);
  return updated!;
}

/** Report#resolve!: marked as handled by `staff`. */
export function resolveReport(ctx: AppContext, staff: Staff, report: ReportRow): Promise<ReportRow> {
  return change(ctx, staff, report, { actionTakenAt: new Date(), actionTakenByAccountId: staff.account.id }, 'resolve', 'resolved report');
}

/** Report#unresolve!: open again. */
export function reopenReport(ctx: AppContext, staff: Staff, report: ReportRow): Promise<ReportRow> {
  return change(ctx, staff, report, { actionTakenAt: null, actionTakenByAccountId: null }, 'reopen', 'reopened report');
}

export function assignReportToSelf(ctx: AppContext, staff: Staff, report: ReportRow): Promise<ReportRow> {
  return change(ctx, staff, report, { assignedAccountId: staff.account.id }, 'assigned_to_self', 'took on report');
}

export function unassignReport(ctx: AppContext, staff: Staff, report: ReportRow): Promise<ReportRow> {
  return change(ctx, staff, report, { assignedAccountId: null }, 'unassigned', 'unassigned report');
}

/**
 * `PUT /api/v1/admin/reports/:id`: a new category and rules. As Report's validations: a known
 * category, and with `violation`, rule ids that all name rules (422 otherwise).
 */
export async function updateReport(ctx: AppContext, staff: Staff, report: ReportRow, input: { category?: string; ruleIds?: string[] }): Promise<ReportRow> {
  const category = input.category ?? report.category;
  const ruleIds = input.ruleIds ? [...new Set(input.ruleIds)] : (report.ruleIds ?? []);
  const errors: string[] = [];
  if (!(REPORT_CATEGORIES as readonly string[]).includes(category)) errors.push('Category is not included in the list');
  else if (category === 'violation' && (input.ruleIds !== undefined || category !== report.category)) {
    const known = ruleIds.every(isRowId) ? await knownRuleIds(ctx, ruleIds) : [];
    if (known.length !== ruleIds.length || ruleIds.length === 0) errors.push('Rule ids does not reference valid rules');
  }
  if (errors.length) throw validationFailed(errors);
  return change(ctx, staff, report, { category, ruleIds: ruleIds.length ? ruleIds : null }, 'update', 'changed the category of report');
}
