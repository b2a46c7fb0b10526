import { eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts, users, type NotificationEmailType } from '../../db/schema.ts';
import { hmac, safeEqual } from '../../lib/crypto.ts';
import { NOTIFICATION_EMAIL_TYPES, setNotificationEmails } from '../accounts/notification-emails.ts';

/**
 * One-click unsubscribe (Mastodon's MailSubscriptionsController, RFC 8058): the link in a
 * notification e-mail carries a token signed for the member and the kind of mail, and a POST to it
 * switches that kind off without signing in.
 */
export const UNSUBSCRIBE_PATH = '/unsubscribe';

const sign = (ctx: AppContext, userId: string) => hmac(ctx.config.secretKeyBase, `unsubscribe:${userId}`);

/** The token naming the member (Mastodon's `to_sgid(for: 'unsubscribe')`). */
export function unsubscribeToken(ctx: AppContext, userId: string): string {
  return `${userId}--${sign(ctx, userId)}`;
}

export function unsubscribeUrl(ctx: AppContext, userId: string, type: NotificationEmailType): string {
  return `${baseUrl(ctx.config)}${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(unsubscribeToken(ctx, userId))}&type=${type}`;
}

export function isNotificationEmailType(type: unknown): type is NotificationEmailType {
  return typeof type === 'string' && (NOTIFICATION_EMAIL_TYPES as readonly string[]).includes(type);
}

/** The member a token names and their address, or undefined for a forged, altered or stale token. */
export async function unsubscribingUser(ctx: AppContext, token: string): Promise<{ userId: string; email: string; username: string } | undefined> {
  const match = /^(\d{1,19})--([A-Za-z0-9_-]+)$/.exec(token);
  if (!match || !safeEqual(match[2]!, sign(ctx, match[1]!))) return undefined;
  const [row] = await ctx.db
    .select({ userId: users.id, email: users.email, username: accounts.username })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.id, match[1]!))
    .limit(1);
  return row;
}

/** Switches one kind of notification e-mail off for the member the token names, who is returned; undefined for a bad token. */
export async function unsubscribe(ctx: AppContext, token: string, type: NotificationEmailType) {
  const user = await unsubscribingUser(ctx, token);
  if (user) await setNotificationEmails(ctx, user.userId, { [type]: false });
  return user;
}
