import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, reports, statuses, users } from '../db/schema.ts';
import type { AccountRow, UserRow } from '../services/oauth/authenticate-token.ts';
import type { WebhookEvent } from '../services/webhooks/webhooks.ts';
import { renderRole } from '../serializers/role.ts';
import { renderAccount } from './accounts.ts';
import { reportBasics } from './reports.ts';
import { renderStatuses } from './statuses.ts';

/**
 * The `object` of a webhook event, as REST::Admin::WebhookEventSerializer picks its serializer:
 * an account as Admin::Account, a report as Admin::Report, a status as Status. Undefined when the
 * object is gone.
 */
export async function renderWebhookObject(ctx: AppContext, event: WebhookEvent, id: string): Promise<unknown> {
  if (event.startsWith('account.')) return (await renderAdminAccountsById(ctx, [id])).get(id);
  if (event.startsWith('report.')) return renderAdminReportById(ctx, id);
  const [status] = await ctx.db.select().from(statuses).where(eq(statuses.id, id));
  if (!status || status.deletedAt) return undefined;
  return (await renderStatuses(ctx, [status]))[0];
}

// Admin::Account and Admin::Report, as much of them as this branch knows (the admin accounts and
// reports API has the whole entities: use those here once both are in one tree).

function adminAccount(account: AccountRow, user: UserRow | undefined, rendered: unknown) {
  return {
    id: account.id,
    username: account.username,
    domain: account.domain,
    created_at: account.createdAt.toISOString(),
    email: user?.email ?? null,
    ip: user?.signUpIp ?? null,
    ips: user?.signUpIp ? [{ ip: user.signUpIp, used_at: user.createdAt.toISOString() }] : [],
    role: user ? renderRole(user.role) : null,
    confirmed: user ? user.confirmedAt !== null : false,
    suspended: account.suspendedAt !== null,
    silenced: account.silencedAt !== null,
    sensitized: false,
    disabled: user?.disabled ?? false,
    approved: user?.approved ?? true,
    locale: user?.locale ?? null,
    invite_request: user?.inviteRequestText ?? null,
    account: rendered,
  };
}

async function renderAdminAccountsById(ctx: AppContext, ids: string[]): Promise<Map<string, ReturnType<typeof adminAccount>>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db.select({ account: accounts, user: users }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, wanted));
  const rendered = await Promise.all(rows.map((row) => renderAccount(ctx, row.account, row.user)));
  return new Map(rows.map((row, i) => [row.account.id, adminAccount(row.account, row.user ?? undefined, rendered[i])]));
}

async function renderAdminReportById(ctx: AppContext, id: string) {
  const [report] = await ctx.db.select().from(reports).where(eq(reports.id, id));
  if (!report) return undefined;
  const people = await renderAdminAccountsById(
    ctx,
    [report.accountId, report.targetAccountId, report.assignedAccountId, report.actionTakenByAccountId].filter((value): value is string => !!value),
  );
  const reported = report.statusIds.length ? await ctx.db.select().from(statuses).where(inArray(statuses.id, report.statusIds)) : [];
  return {
    ...reportBasics(report),
    updated_at: report.updatedAt.toISOString(),
    account: people.get(report.accountId) ?? null,
    target_account: people.get(report.targetAccountId) ?? null,
    assigned_account: report.assignedAccountId ? (people.get(report.assignedAccountId) ?? null) : null,
    action_taken_by_account: report.actionTakenByAccountId ? (people.get(report.actionTakenByAccountId) ?? null) : null,
    statuses: await renderStatuses(ctx, reported),
    rules: [],
  };
}
