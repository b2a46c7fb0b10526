import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { notifications } from '../db/schema.ts';
import { publishEvent } from './events.ts';

export const NOTIFICATION_TYPES = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'admin.sign_up', 'admin.report'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Types v2 groups (Mastodon's NotificationGroup::GROUPABLE_NOTIFICATION_TYPES). */
const GROUPED: ReadonlySet<string> = new Set(['favourite', 'reblog', 'follow']);

/**
 * Whether `recipientId` should hear about `fromAccountId` (Mastodon's NotifyService#filter?):
 * never about themselves, nor from accounts they block, or mute with notifications hidden, or
 * that block them; and not about a thread they muted.
 */
async function blocked(ctx: AppContext, recipientId: string, fromAccountId: string, statusId: string | null, type: NotificationType): Promise<boolean> {
  // a poll's author hears that their own poll ended; nobody else is told about themselves
  if (recipientId === fromAccountId) return type !== 'poll';
  const rows = await queryRows(ctx.db, sql`
    SELECT 1 FROM blocks WHERE (account_id = ${recipientId} AND target_account_id = ${fromAccountId})
                            OR (account_id = ${fromAccountId} AND target_account_id = ${recipientId})
    UNION ALL
    SELECT 1 FROM mutes WHERE account_id = ${recipientId} AND target_account_id = ${fromAccountId} AND hide_notifications
                          AND (expires_at IS NULL OR expires_at > now())
    UNION ALL
    SELECT 1 FROM account_domain_blocks d JOIN accounts a ON a.id = ${fromAccountId}
      WHERE d.account_id = ${recipientId} AND d.domain = a.domain
    ${statusId ? sql`UNION ALL SELECT 1 FROM conversation_mutes cm JOIN statuses s ON s.conversation_id = cm.conversation_id
      WHERE cm.account_id = ${recipientId} AND s.id = ${statusId}` : sql``}
    LIMIT 1`);
  return rows.length > 0;
}

/**
 * Notifies a local account of something another account did. The same notification is made once
 * (a job retried after a crash does not notify twice). Publishes `notification.created` for the
 * streaming and push tiers.
 */
export async function notify(ctx: AppContext, input: { recipientId: string; fromAccountId: string; type: NotificationType; statusId?: string | null }) {
  const statusId = input.statusId ?? null;
  if (await blocked(ctx, input.recipientId, input.fromAccountId, statusId, input.type)) return undefined;
  const hour = Math.floor(Date.now() / 3_600_000);
  const groupKey = GROUPED.has(input.type) ? `${input.type}-${statusId ?? 'account'}-${hour}` : null;
  const [created] = await ctx.db
    .insert(notifications)
    .values({ accountId: input.recipientId, fromAccountId: input.fromAccountId, type: input.type, statusId, groupKey })
    .onConflictDoNothing()
    .returning();
  if (created) await publishEvent(ctx, { type: 'notification.created', accountId: input.recipientId, notificationId: created.id });
  return created;
}
