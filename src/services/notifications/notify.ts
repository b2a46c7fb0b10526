import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { notifications, users } from '../../db/schema.ts';
import { renderNotifications } from '../../presenters/notifications.ts';
import { channels, listenedChannels, publishToStream } from '../../streaming/channels.ts';
import { currentPolicy } from './notification-policy.ts';
import { outranks } from '../accounts/roles.ts';
import { recordNotificationRequest } from './notification-requests.ts';
import { enqueueWebPushes } from './web-push.ts';
import { enqueueNotificationMail } from './notification-emails.ts';
import type { NotificationRow } from '../../db/schema.ts';

export const NOTIFICATION_TYPES = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'move', 'admin.sign_up', 'admin.report', 'moderation_warning'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Types v2 groups (Mastodon's NotificationGroup::GROUPABLE_NOTIFICATION_TYPES). */
const GROUPED: ReadonlySet<string> = new Set(['favourite', 'reblog', 'follow']);

/**
 * Whether `recipientId` should hear about `fromAccountId` (Mastodon's NotifyService#filter?):
 * never about themselves, nor from accounts they block, or mute with notifications hidden, or
 * that block them; and not about a thread they muted, nor a status deleted meanwhile.
 */
async function blocked(ctx: AppContext, recipientId: string, fromAccountId: string, statusId: string | null, type: NotificationType): Promise<boolean> {
  // a poll's author hears that their own poll ended; nobody else is told about themselves
  if (recipientId === fromAccountId) return type !== 'poll';
  const rows = await queryRows(
    ctx.db,
    sql`
    SELECT 1 FROM blocks WHERE (account_id = ${recipientId} AND target_account_id = ${fromAccountId})
                            OR (account_id = ${fromAccountId} AND target_account_id = ${recipientId})
    UNION ALL
    SELECT 1 FROM mutes WHERE account_id = ${recipientId} AND target_account_id = ${fromAccountId} AND hide_notifications
                          AND (expires_at IS NULL OR expires_at > now())
    UNION ALL
    SELECT 1 FROM account_domain_blocks d JOIN accounts a ON a.id = ${fromAccountId}
      WHERE d.account_id = ${recipientId} AND d.domain = a.domain
    ${
      statusId
        ? sql`UNION ALL SELECT 1 FROM statuses WHERE id = ${statusId} AND deleted_at IS NOT NULL
      UNION ALL SELECT 1 FROM conversation_mutes cm JOIN statuses s ON s.conversation_id = cm.conversation_id
      WHERE cm.account_id = ${recipientId} AND s.id = ${statusId}`
        : sql``
    }
    LIMIT 1`,
  );
  return rows.length > 0;
}

/** The types a notification policy applies to (Mastodon's Notification::PROPERTIES `filterable`). */
const POLICY_TYPES: ReadonlySet<string> = new Set(['mention', 'follow', 'follow_request', 'favourite', 'reblog']);

type Verdict = 'accept' | 'filter' | 'drop';

/**
 * What the recipient's notification policy does with this (NotifyService's DropCondition and
 * FilterCondition): a category set to `drop` that applies drops it, one set to `filter` holds it
 * as filtered; a sender whose request the member accepted, or a mention from staff above them, is
 * never held back.
 */
async function policyVerdict(ctx: AppContext, recipientId: string, fromAccountId: string, type: string, statusId: string | null): Promise<Verdict> {
  if (!POLICY_TYPES.has(type)) return 'accept';
  const [user] = await ctx.db.select({ settings: users.settings }).from(users).where(eq(users.accountId, recipientId)).limit(1);
  if (!user) return 'accept';
  const policy = currentPolicy(user.settings);
  if (Object.values(policy).every((value) => value === 'accept')) return 'accept';
  const [facts] = await queryRows<{
    permitted: boolean;
    following: boolean;
    followed_by: boolean;
    new_account: boolean;
    limited: boolean;
    private_mention: boolean;
    sender_role: string | null;
    recipient_role: string | null;
  }>(
    ctx.db,
    sql`
    SELECT (SELECT role FROM users WHERE account_id = ${fromAccountId}) AS sender_role,
           (SELECT role FROM users WHERE account_id = ${recipientId}) AS recipient_role,
           EXISTS (SELECT 1 FROM notification_permissions WHERE account_id = ${recipientId} AND from_account_id = ${fromAccountId}) AS permitted,
           EXISTS (SELECT 1 FROM follows WHERE account_id = ${recipientId} AND target_account_id = ${fromAccountId}) AS following,
           EXISTS (SELECT 1 FROM follows WHERE account_id = ${fromAccountId} AND target_account_id = ${recipientId}
                     AND created_at <= now() - interval '3 days') AS followed_by,
           (SELECT created_at > now() - interval '30 days' FROM accounts WHERE id = ${fromAccountId}) AS new_account,
           (SELECT silenced_at IS NOT NULL FROM accounts WHERE id = ${fromAccountId}) AS limited,
           ${type === 'mention' && statusId ? privateMentionNotInResponse(recipientId, fromAccountId, statusId) : sql`FALSE`} AS private_mention`,
  );
  if (!facts || facts.permitted) return 'accept';
  // staff who outrank the member reach them with mentions whatever their policy (from_staff?)
  if (type === 'mention' && outranks(facts.sender_role, facts.recipient_role)) return 'accept';
  const applies: Record<keyof typeof policy, boolean> = {
    for_not_following: !facts.following,
    // a follower of less than three days counts as none
    for_not_followers: !facts.followed_by,
    for_new_accounts: !!facts.new_account && !facts.following,
    for_private_mentions: !!facts.private_mention && !facts.following,
    for_limited_accounts: !!facts.limited && !facts.following,
  };
  const keys = (Object.keys(applies) as (keyof typeof policy)[]).filter((key) => applies[key]);
  if (keys.some((key) => policy[key] === 'drop')) return 'drop';
  if (keys.some((key) => policy[key] === 'filter')) return 'filter';
  return 'accept';
}

/**
 * A direct mention that does not answer a private mention of the sender by the recipient up the
 * thread (FilterCondition#private_mention_not_in_response?; up to 100 statuses up).
 */
function privateMentionNotInResponse(recipientId: string, senderId: string, statusId: string) {
  return sql`(EXISTS (SELECT 1 FROM statuses WHERE id = ${statusId} AND visibility = 'direct') AND NOT EXISTS (
    WITH RECURSIVE ancestors(id, in_reply_to_id, depth) AS (
        SELECT s.id, s.in_reply_to_id, 0 FROM statuses s
          WHERE s.id = (SELECT in_reply_to_id FROM statuses WHERE id = ${statusId})
      UNION ALL
        SELECT s.id, s.in_reply_to_id, a.depth + 1 FROM ancestors a JOIN statuses s ON s.id = a.in_reply_to_id
          WHERE a.depth < 100
    )
    SELECT 1 FROM ancestors a JOIN statuses s ON s.id = a.id
      JOIN mentions m ON m.status_id = s.id AND m.account_id = ${senderId} AND NOT m.silent
      WHERE s.account_id = ${recipientId} AND s.visibility = 'direct'))`;
}

/**
 * Notifies a local account of something another account did. The same notification is made once
 * (a job retried after a crash does not notify twice). One the member's policy filters is kept
 * filtered, out of the lists and streams (a mention also makes or updates a notification request);
 * any other is streamed, pushed to the member's Web Push subscriptions and, as they chose, mailed.
 */
export async function notify(ctx: AppContext, input: { recipientId: string; fromAccountId: string; type: NotificationType; statusId?: string | null; reportId?: string; accountWarningId?: string }) {
  const statusId = input.statusId ?? null;
  if (await blocked(ctx, input.recipientId, input.fromAccountId, statusId, input.type)) return undefined;
  const verdict = await policyVerdict(ctx, input.recipientId, input.fromAccountId, input.type, statusId);
  if (verdict === 'drop') return undefined;
  const filtered = verdict === 'filter';
  const hour = Math.floor(Date.now() / 3_600_000);
  // a filtered notification is never grouped, not even with include_filtered (Notification#set_group_key!)
  const groupKey = !filtered && GROUPED.has(input.type) ? `${input.type}-${statusId ?? 'account'}-${hour}` : null;
  const [created] = await ctx.db
    .insert(notifications)
    .values({
      accountId: input.recipientId,
      fromAccountId: input.fromAccountId,
      type: input.type,
      statusId,
      groupKey,
      filtered,
      reportId: input.reportId ?? null,
      accountWarningId: input.accountWarningId ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (created && filtered) {
    // held back: only a mention makes or updates a notification request
    if (created.type === 'mention' && statusId) await recordNotificationRequest(ctx, created.accountId, created.fromAccountId, statusId);
  } else if (created) {
    await streamNotification(ctx, created);
    await enqueueWebPushes(ctx, created);
    await enqueueNotificationMail(ctx, created);
  }
  return created;
}

/** The `notification` event for the recipient's `user` and `user:notification` streams (NotifyService#push_notification!). */
async function streamNotification(ctx: AppContext, notification: NotificationRow) {
  const channel = channels.notifications(notification.accountId);
  if ((await listenedChannels(ctx, [channel])).length === 0) return;
  const [rendered] = await renderNotifications(ctx, notification.accountId, [notification]);
  if (rendered) await publishToStream(ctx, channel, 'notification', rendered);
}
