import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, statuses, type StatusRow } from '../../db/schema.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';

/** Notifies the local accounts a status mentions (not its author; notify() skips blocks and mutes). */
export async function notifyMentioned(ctx: AppContext, status: StatusRow, mentioned: AccountRow[], type: 'mention' | 'update' = 'mention') {
  for (const account of mentioned) {
    if (account.domain || account.id === status.accountId) continue;
    await notify(ctx, { recipientId: account.id, fromAccountId: status.accountId, type, statusId: status.id });
  }
}

/**
 * Notifies the local accounts a local status mentions, once (notify is idempotent): what the posting
 * request does after its commit, done again when the pending_distributions sweep recovers a status
 * whose request died after the commit (a database outage).
 */
export async function notifyMentionedAgain(ctx: AppContext, statusId: string) {
  const [status] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, statusId), sql`${statuses.deletedAt} IS NULL`, sql`${statuses.local}`, sql`${statuses.reblogOfId} IS NULL`))
    .limit(1);
  if (!status) return;
  const mentioned = await ctx.db.select().from(accounts).where(sql`${accounts.id} IN (SELECT account_id FROM mentions WHERE status_id = ${statusId}::bigint) AND ${accounts.domain} IS NULL`);
  await notifyMentioned(ctx, status, mentioned);
}
