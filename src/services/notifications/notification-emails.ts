import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users, type NotificationEmailType, type NotificationRow } from '../../db/schema.ts';
import { NotificationMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { channels, listenedChannels } from '../../streaming/channels.ts';
import { notificationEmailSettings } from '../accounts/notification-emails.ts';

/** The notifications NotificationMailer has a mail for. */
export const MAILED_NOTIFICATION_TYPES: ReadonlySet<string> = new Set<NotificationEmailType>(['mention', 'follow', 'favourite', 'reblog', 'follow_request']);

/** How long a notification e-mail waits in the queue (Mastodon's `deliver_later(wait: 2.minutes)`): a member who switches the kind off meanwhile gets none. Tests set it to 0. */
export const notificationMailDelay = { ms: 2 * 60 * 1000 };

/** Whether a stream of the member's is open (with a Web Push subscription, NotifyService#recipient_online?). */
async function streaming(ctx: AppContext, accountId: string): Promise<boolean> {
  return (await listenedChannels(ctx, [channels.home(accountId), channels.notifications(accountId)])).length > 0;
}

/**
 * NotifyService#send_email!: queues the mail for a new notification of a kind the member wants
 * mailed (`notification_emails.<type>`), unless they are online and did not ask for mails even then
 * (`always_send_emails`). A failure is logged: the notification stands.
 */
export async function enqueueNotificationMail(ctx: AppContext, notification: NotificationRow): Promise<void> {
  if (!MAILED_NOTIFICATION_TYPES.has(notification.type)) return;
  try {
    // the member's choices and whether a browser or app receives their Web Push, in one statement
    const [user] = await ctx.db
      .select({ settings: users.settings, pushed: sql<boolean>`EXISTS (SELECT 1 FROM web_push_subscriptions WHERE web_push_subscriptions.user_id = users.id)` })
      .from(users)
      .where(eq(users.accountId, notification.accountId))
      .limit(1);
    if (!user) return;
    const { emails, always } = notificationEmailSettings(user.settings);
    if (!emails[notification.type as NotificationEmailType]) return;
    // online (NotifyService#recipient_online?): a stream of theirs is open, or their Web Push is received
    if (!always && (user.pushed || (await streaming(ctx, notification.accountId)))) return;
    await enqueue(ctx, NotificationMail, { notificationId: notification.id }, notificationMailDelay.ms > 0 ? { delayMs: notificationMailDelay.ms } : {});
  } catch (error) {
    ctx.log.warn({ err: error, notificationId: notification.id }, 'could not queue a notification e-mail');
  }
}
