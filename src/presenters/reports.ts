import type { ReportRow } from '../services/moderation/report-account.ts';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts } from '../db/schema.ts';
import { renderAccount } from './accounts.ts';

/** What REST::ReportSerializer and REST::Admin::ReportSerializer both show of a report. */
export function reportFields(report: ReportRow) {
  return {
    id: report.id,
    action_taken: report.actionTakenAt !== null,
    action_taken_at: report.actionTakenAt?.toISOString() ?? null,
    category: report.category,
    comment: report.comment,
    forwarded: report.forwarded,
    created_at: report.createdAt.toISOString(),
  };
}

/** Mastodon's Report entity (REST::ReportSerializer). */
export async function renderReport(ctx: AppContext, report: ReportRow) {
  const [target] = await ctx.db.select().from(accounts).where(eq(accounts.id, report.targetAccountId));
  return {
    ...reportFields(report),
    status_ids: report.statusIds.map(String),
    rule_ids: report.ruleIds?.map(String) ?? null,
    target_account: target ? await renderAccount(ctx, target) : null,
  };
}
