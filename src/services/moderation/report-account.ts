import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, reports, statuses } from '../../db/schema.ts';
import { DeliverFlag } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { isRowId } from '../../lib/ids.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { recordRateLimit, type RateLimitHeaders } from '../instance/rate-limiter.ts';
import { knownRuleIds } from '../instance/rules.ts';
import { newActivityUri } from '../activitypub/relationship-deliveries.ts';
import { visibleTo } from '../statuses/visibility.ts';
import type { ReportRow } from '../../db/schema.ts';
import { notifyStaff } from '../notifications/staff-notifications.ts';

export type { ReportRow };

/** Mastodon's Report categories (the enum's keys). */
export const REPORT_CATEGORIES = ['other', 'spam', 'legal', 'violation'] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

/** Report::COMMENT_SIZE_LIMIT, checked for reports made here only. */
export const COMMENT_SIZE_LIMIT = 1_000;

/** What a remote server may put in a Flag's comment before the rest is cut off. */
const REMOTE_COMMENT_LIMIT = 10_000;

export interface ReportInput {
  accountId: unknown;
  statusIds: string[];
  comment?: string;
  category?: string;
  ruleIds: string[];
  forward: boolean;
  forwardToDomains?: string[];
}

/**
 * Mastodon's `POST /api/v1/reports` (Api::V1::ReportsController and ReportService): the member
 * reports an account, with some of its statuses the member may see (deleted ones too). An
 * unknown or suspended account, or a status that is not the account's or not visible, is 404;
 * a long comment, an unknown category or rule ids that name no rule are 422. With `forward`, a
 * report of a remote account is sent to its server as a Flag from the instance actor.
 */
export async function reportAccount(ctx: AppContext, reporter: AccountRow, input: ReportInput): Promise<{ report: ReportRow; rateLimit: RateLimitHeaders }> {
  if (!isRowId(input.accountId)) throw notFound();
  const [target] = await ctx.db
    .select()
    .from(accounts)
    .where(eq(accounts.id, String(input.accountId)));
  if (!target || target.suspendedAt) throw notFound();

  const wanted = [...new Set(input.statusIds)];
  if (wanted.some((id) => !isRowId(id))) throw notFound();
  let statusIds: string[] = [];
  if (wanted.length > 0) {
    // deleted statuses may be reported too (with_discarded), but only ones the reporter could see
    const visibleButDeleted = visibleTo(reporter.id, { id: statuses.id, accountId: statuses.accountId, visibility: statuses.visibility, deletedAt: sql`NULL` });
    const rows = await ctx.db
      .select({ id: statuses.id })
      .from(statuses)
      .where(and(inArray(statuses.id, wanted), eq(statuses.accountId, target.id), visibleButDeleted));
    if (rows.length !== wanted.length) throw notFound();
    statusIds = rows.map((row) => row.id);
  }

  const comment = input.comment ?? '';
  const ruleIds = [...new Set(input.ruleIds)];
  const category = ruleIds.length > 0 ? 'violation' : input.category || 'other';
  const errors: string[] = [];
  if ([...comment].length > COMMENT_SIZE_LIMIT) errors.push(`Comment is too long (maximum is ${COMMENT_SIZE_LIMIT} characters)`);
  if (!(REPORT_CATEGORIES as readonly string[]).includes(category)) errors.push('Category is not included in the list');
  else if (category === 'violation') {
    const known = ruleIds.every(isRowId) ? await knownRuleIds(ctx, ruleIds) : [];
    if (ruleIds.length === 0 || known.length !== ruleIds.length) errors.push('Rule ids does not reference valid rules');
  }
  if (errors.length) throw validationFailed(errors);

  const forwardDomains = (input.forwardToDomains?.length ? input.forwardToDomains : target.domain ? [target.domain] : []).map((domain) => domain.trim().toLowerCase()).filter(Boolean);
  const forward = input.forward && target.domain !== null;
  const forwardToOrigin = forward && forwardDomains.includes(target.domain!.toLowerCase());

  const rateLimit = await recordRateLimit(ctx, reporter.id, 'reports');
  const [report] = await ctx.db
    .insert(reports)
    .values({
      accountId: reporter.id,
      targetAccountId: target.id,
      statusIds,
      comment,
      category,
      ruleIds: ruleIds.length ? ruleIds : null,
      forwarded: forwardToOrigin,
      // a report made here has its own id for the Flag (Report#set_uri)
      uri: newActivityUri(ctx),
    })
    .returning();
  await notifyStaff(ctx, { type: 'admin.report', fromAccountId: reporter.id, reportId: report!.id });
  if (forward) {
    try {
      await enqueue(ctx, DeliverFlag, { reportId: report!.id, domains: forwardDomains });
    } catch (error) {
      ctx.log.warn({ err: error, reportId: report!.id }, 'could not enqueue the forwarding of a report');
    }
  }
  await triggerWebhook(ctx, 'report.created', report!.id);
  return { report: report!, rateLimit };
}

/**
 * A Flag from another server (Mastodon's ActivityPub::Activity::Flag): a report by the sending
 * actor (usually its instance actor) of each local, unsuspended account the Flag names, with the
 * statuses it names that are that account's and that the sender's server could have seen (public
 * and unlisted, private ones when it has followers there, or those mentioning someone there,
 * deleted or not). The same Flag (by id) is recorded once.
 */
export async function receiveFlag(ctx: AppContext, reporter: AccountRow, flag: { uri: string | null; comment: string; targets: AccountRow[]; statusIds: string[] }): Promise<ReportRow[]> {
  const created: ReportRow[] = [];
  const domain = (reporter.domain ?? '').toLowerCase();
  for (const target of flag.targets) {
    if (target.domain !== null || target.suspendedAt) continue;
    if (flag.uri) {
      const [known] = await ctx.db
        .select({ id: reports.id })
        .from(reports)
        .where(and(eq(reports.uri, flag.uri), eq(reports.targetAccountId, target.id), eq(reports.accountId, reporter.id)))
        .limit(1);
      if (known) continue;
    }
    const statusIds = flag.statusIds.length
      ? (
          await queryRows<{ id: string }>(
            ctx.db,
            sql`SELECT s.id::text AS id FROM statuses s
                 WHERE s.account_id = ${target.id} AND s.id IN (${sql.join(
                   flag.statusIds.map((id) => sql`${id}`),
                   sql`, `,
                 )})
                   AND (s.visibility IN ('public', 'unlisted')
                        OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id
                                                                  WHERE f.target_account_id = ${target.id} AND lower(a.domain) = ${domain}))
                        OR EXISTS (SELECT 1 FROM mentions m JOIN accounts a ON a.id = m.account_id WHERE m.status_id = s.id AND lower(a.domain) = ${domain}))`,
          )
        ).map((row) => row.id)
      : [];
    const [report] = await ctx.db
      .insert(reports)
      .values({ accountId: reporter.id, targetAccountId: target.id, statusIds, comment: flag.comment.slice(0, REMOTE_COMMENT_LIMIT), category: 'other', uri: flag.uri })
      .returning();
    if (report) {
      created.push(report);
      await notifyStaff(ctx, { type: 'admin.report', fromAccountId: reporter.id, reportId: report.id });
    }
  }
  for (const report of created) await triggerWebhook(ctx, 'report.created', report.id);
  return created;
}
