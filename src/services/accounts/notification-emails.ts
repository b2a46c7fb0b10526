import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users, type NotificationEmailType, type UserSettings } from '../../db/schema.ts';

export type { NotificationEmailType };

/** Mastodon's `notification_emails.*` settings, in its order, with its defaults (app/models/user_settings.rb). */
export const NOTIFICATION_EMAIL_DEFAULTS: Readonly<Record<NotificationEmailType, boolean>> = {
  follow: true,
  reblog: false,
  favourite: false,
  mention: true,
  follow_request: true,
  report: true,
  pending_account: true,
};

export const NOTIFICATION_EMAIL_TYPES = Object.keys(NOTIFICATION_EMAIL_DEFAULTS) as NotificationEmailType[];

/** The kinds only staff get (AdminMailer's), shown to those who may act on them. */
export const STAFF_EMAIL_TYPES: ReadonlySet<NotificationEmailType> = new Set(['report', 'pending_account']);

export interface NotificationEmailSettings {
  emails: Record<NotificationEmailType, boolean>;
  /** Mastodon's `always_send_emails`: mail even while the member is online */
  always: boolean;
}

/** What the member chose, with the defaults for what they did not. */
export function notificationEmailSettings(settings: UserSettings): NotificationEmailSettings {
  return { emails: { ...NOTIFICATION_EMAIL_DEFAULTS, ...settings.notification_emails }, always: settings.always_send_emails ?? false };
}

/** Changes some kinds (and `always_send_emails`) for a member, leaving every other setting as it is. */
export async function setNotificationEmails(ctx: AppContext, userId: string, emails: Partial<Record<NotificationEmailType, boolean>>, always?: boolean): Promise<void> {
  // merged in SQL, so a change made meanwhile to another setting is not overwritten
  const merged = sql`${users.settings} || jsonb_build_object('notification_emails', coalesce(${users.settings} -> 'notification_emails', '{}'::jsonb) || ${JSON.stringify(emails)}::jsonb)`;
  await ctx.db
    .update(users)
    .set({ settings: always === undefined ? merged : sql`${merged} || jsonb_build_object('always_send_emails', ${always}::boolean)`, updatedAt: new Date() })
    .where(eq(users.id, userId));
}
