import { inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, statuses, type ReportRow } from '../db/schema.ts';
import type { AdminAccountEntity } from '../serializers/admin-account.ts';
import type { Status } from '../serializers/entities.ts';
import { renderAdminAccounts } from './admin-accounts.ts';
import { renderStatuses } from './statuses.ts';
import { reportBasics } from './reports.ts';
import { rulesByIds } from '../services/instance/rules.ts';

/**
 * Mastodon's Admin::Report entity (REST::Admin::ReportSerializer) for each report, in order: the
 * reporter, the target, the assignee and who resolved it as Admin::Account, the reported statuses
 * (deleted ones too, as staff see them), and the rules it names.
 * `viewerId` null renders the statuses as nobody in particular sees them (a webhook's payload).
 */
export async function renderAdminReports(ctx: AppContext, viewerId: string | null, rows: readonly ReportRow[]) {
  const accountIds = [...new Set(rows.flatMap((row) => [row.accountId, row.targetAccountId, row.assignedAccountId, row.actionTakenByAccountId].filter((id): id is string => !!id)))];
  const statusIds = [...new Set(rows.flatMap((row) => row.statusIds))];
  const [accountRows, statusRows] = await Promise.all([
    accountIds.length ? ctx.db.select().from(accounts).where(inArray(accounts.id, accountIds)) : [],
    statusIds.length ? ctx.db.select().from(statuses).where(inArray(statuses.id, statusIds)) : [],
  ]);
  const [admins, rendered, citedRules] = await Promise.all([
    renderAdminAccounts(ctx, accountRows),
    renderStatuses(ctx, statusRows, { viewerId }),
    rulesByIds(
      ctx,
      rows.flatMap((row) => row.ruleIds ?? []),
    ),
  ]);
  const adminById = new Map<string, AdminAccountEntity>(admins.map((entity) => [entity.id, entity]));
  const statusById = new Map<string, Status>(statusRows.map((row, i) => [row.id, rendered[i]!]));
  const accountOf = (id: string | null) => (id ? (adminById.get(id) ?? null) : null);
  return rows.map((report) => ({
    ...reportBasics(report),
    updated_at: report.updatedAt.toISOString(),
    account: accountOf(report.accountId),
    target_account: accountOf(report.targetAccountId),
    assigned_account: accountOf(report.assignedAccountId),
    action_taken_by_account: accountOf(report.actionTakenByAccountId),
    statuses: report.statusIds.flatMap((id) => statusById.get(id) ?? []),
    // in the instance's order of rules
    rules: citedRules.filter((rule) => report.ruleIds?.includes(rule.id)),
  }));
}

export async function renderAdminReport(ctx: AppContext, viewerId: string | null, report: ReportRow) {
  const [rendered] = await renderAdminReports(ctx, viewerId, [report]);
  return rendered!;
}
