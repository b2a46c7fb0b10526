import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts, notifications, statuses, users, type NotificationEmailType } from '../../db/schema.ts';
import { htmlToPlainText } from '../../lib/filter-matching.ts';
import { notificationEmailSettings } from '../../services/accounts/notification-emails.ts';
import { composeMail } from '../../services/mail/compose-mail.ts';
import { acctOf, functional, mailRecipient } from './recipients.ts';

/** Mastodon's notification_mailer subjects and titles (config/locales/en.yml). */
const KINDS: Record<string, { subject: (name: string) => string; heading: string; says: (name: string) => string }> = {
  mention: { subject: (name) => `You were mentioned by ${name}`, heading: 'New mention', says: (name) => `${name} mentioned you:` },
  follow: { subject: (name) => `${name} followed you`, heading: 'New follower', says: (name) => `${name} is now following you.` },
  favourite: { subject: (name) => `${name} favorited your post`, heading: 'New favorite', says: (name) => `${name} favorited your post:` },
  reblog: { subject: (name) => `${name} boosted your post`, heading: 'New boost', says: (name) => `${name} boosted your post:` },
  follow_request: { subject: (name) => `Pending follower: ${name}`, heading: 'New follow request', says: (name) => `${name} has requested to follow you.` },
};

/** NotificationMailer: one notification, to a member who can still use their account and still wants it mailed. */
export async function sendNotificationMail(ctx: AppContext, data: { notificationId: string }) {
  const [notification] = await ctx.db.select().from(notifications).where(eq(notifications.id, data.notificationId)).limit(1);
  const kind = notification && KINDS[notification.type];
  if (!notification || !kind) return;
  const [owner] = await ctx.db.select({ userId: users.id }).from(users).where(eq(users.accountId, notification.accountId)).limit(1);
  const recipient = owner && (await mailRecipient(ctx, owner.userId));
  // Mastodon's verify_functional_user; an unsubscribe since it was queued is honoured too
  if (!recipient || !functional(recipient) || !notificationEmailSettings(recipient.user.settings).emails[notification.type as NotificationEmailType]) return;
  const [from] = await ctx.db.select().from(accounts).where(eq(accounts.id, notification.fromAccountId)).limit(1);
  if (!from) return;
  const [status] = notification.statusId ? await ctx.db.select().from(statuses).where(eq(statuses.id, notification.statusId)).limit(1) : [];
  // a mail about a post that is gone is not sent (Mastodon's RecordNotFound)
  if (notification.statusId && (!status || status.deletedAt)) return;

  const site = baseUrl(ctx.config);
  const name = acctOf(from);
  const headers: Record<string, string> = {};
  let action: { label: string; url: string };
  if (status) {
    const [author] = await ctx.db.select().from(accounts).where(eq(accounts.id, status.accountId)).limit(1);
    const url = `${site}/@${author ? acctOf(author) : name}/${status.id}`;
    action = { label: notification.type === 'mention' ? 'Reply' : 'View post', url };
    // NotificationMailer#thread_by_conversation!: mails about one conversation thread together
    if (status.conversationId) {
      const thread = `<conversation-${status.conversationId}@${ctx.config.localDomain}>`;
      headers['In-Reply-To'] = thread;
      headers.References = thread;
    }
  } else if (notification.type === 'follow_request') {
    action = { label: 'Manage follow requests', url: `${site}/follow_requests` };
  } else {
    action = { label: 'View profile', url: `${site}/@${name}` };
  }
  const quote = status ? [status.spoilerText, htmlToPlainText(status.content)].filter(Boolean).join('\n\n') : undefined;
  await ctx.mailer.send(
    await composeMail(ctx, {
      to: recipient.user.email,
      toName: recipient.account.username,
      subject: kind.subject(name),
      heading: kind.heading,
      paragraphs: [kind.says(name)],
      quote,
      action,
      unsubscribe: { userId: recipient.user.id, username: recipient.account.username, type: notification.type as NotificationEmailType },
      headers,
    }),
  );
}
