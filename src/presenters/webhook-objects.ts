import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, reports, statuses } from '../db/schema.ts';
import type { WebhookEvent } from '../services/webhooks/webhooks.ts';
import { renderAdminAccount } from './admin-accounts.ts';
import { renderAdminReport } from './admin-reports.ts';
import { renderStatuses } from './statuses.ts';

/**
 * The `object` of a webhook event, as REST::Admin::WebhookEventSerializer picks its serializer:
 * an account as Admin::Account, a report as Admin::Report (the admin API's entities), a status as
 * Status. Undefined when the object is gone.
 */
export async function renderWebhookObject(ctx: AppContext, event: WebhookEvent, id: string): Promise<unknown> {
  if (event.startsWith('account.')) {
    const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, id));
    return account ? renderAdminAccount(ctx, account) : undefined;
  }
  if (event.startsWith('report.')) {
    const [report] = await ctx.db.select().from(reports).where(eq(reports.id, id));
    return report ? renderAdminReport(ctx, null, report) : undefined;
  }
  const [status] = await ctx.db.select().from(statuses).where(eq(statuses.id, id));
  if (!status || status.deletedAt) return undefined;
  return (await renderStatuses(ctx, [status]))[0];
}
