import { inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accountWarnings, appeals, reports, type AccountWarningRow, type AppealRow } from '../db/schema.ts';
import { renderReport } from './reports.ts';
import { renderAccountsById } from './accounts.ts';

/** An appeal as REST::AppealSerializer: its text and whether staff approved or rejected it. */
export function serializeAppeal(appeal: AppealRow) {
  return { text: appeal.text, state: appeal.approvedAt ? 'approved' : appeal.rejectedAt ? 'rejected' : 'pending' };
}

/** Mastodon's AccountWarning entity (REST::AccountWarningSerializer) for each strike. */
export async function renderAccountWarnings(ctx: AppContext, rows: readonly AccountWarningRow[]) {
  if (rows.length === 0) return [];
  const [targets, appealRows] = await Promise.all([
    renderAccountsById(
      ctx,
      rows.map((row) => row.targetAccountId),
    ),
    ctx.db
      .select()
      .from(appeals)
      .where(
        inArray(
          appeals.accountWarningId,
          rows.map((row) => row.id),
        ),
      ),
  ]);
  const appealOf = new Map(appealRows.map((appeal) => [appeal.accountWarningId, appeal]));
  return rows.map((row) => {
    const appeal = appealOf.get(row.id);
    return {
      id: row.id,
      action: row.action,
      text: row.text,
      status_ids: row.statusIds ?? [],
      target_account: targets.get(row.targetAccountId) ?? null,
      appeal: appeal ? serializeAppeal(appeal) : null,
      created_at: row.createdAt.toISOString(),
    };
  });
}

type ReportEntity = Awaited<ReturnType<typeof renderReport>>;
type WarningEntity = Awaited<ReturnType<typeof renderAccountWarnings>>[number];

/** The reports (`admin.report`) and strikes (`moderation_warning`) that notifications name, rendered by id. */
export async function renderModerationSubjects(ctx: AppContext, rows: readonly { reportId: string | null; accountWarningId: string | null }[]) {
  const reportIds = [...new Set(rows.flatMap((row) => row.reportId ?? []))];
  const warningIds = [...new Set(rows.flatMap((row) => row.accountWarningId ?? []))];
  const reportsById = new Map<string, ReportEntity>();
  const warningsById = new Map<string, WarningEntity>();
  if (reportIds.length) {
    const found = await ctx.db.select().from(reports).where(inArray(reports.id, reportIds));
    for (const report of found) reportsById.set(report.id, await renderReport(ctx, report));
  }
  if (warningIds.length) {
    const found = await ctx.db.select().from(accountWarnings).where(inArray(accountWarnings.id, warningIds));
    for (const warning of await renderAccountWarnings(ctx, found)) warningsById.set(warning.id, warning);
  }
  return { reports: reportsById, warnings: warningsById };
}
