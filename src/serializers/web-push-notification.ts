import { htmlToPlainText } from '../lib/filter-matching.ts';

/** Mastodon's English `notification_mailer.<type>.subject`, which titles a pushed notification. */
const TITLES: Record<string, (name: string) => string> = {
  mention: (name) => `You were mentioned by ${name}`,
  status: (name) => `${name} just posted`,
  reblog: (name) => `${name} boosted your post`,
  follow: (name) => `${name} is now following you`,
  follow_request: (name) => `Pending follower: ${name}`,
  favourite: (name) => `${name} favorited your post`,
  poll: (name) => `A poll by ${name} has ended`,
  update: (name) => `${name} edited a post`,
  move: (name) => `${name} has moved to a new account`,
  'admin.sign_up': (name) => `${name} signed up`,
  'admin.report': (name) => `${name} submitted a report`,
};

/** Rails' `truncate(text, length: 140)`: at most 140 characters, the last three `...` when cut. */
function truncate(text: string, length = 140): string {
  const chars = [...text];
  return chars.length > length ? `${chars.slice(0, length - 3).join('')}...` : text;
}

export interface WebPushNotificationFacts {
  notification: { id: string; type: string };
  from: { username: string; displayName: string; note: string; avatarStatic: string };
  status: { spoilerText: string; content: string } | null;
  /** the subscription's own access token, with which the client fetches the notification */
  accessToken: string;
  locale: string;
}

/** What a push carries, encrypted (Mastodon's Web::NotificationSerializer); the client fetches the rest with the token. */
export function serializeWebPushNotification(facts: WebPushNotificationFacts) {
  const name = facts.from.displayName.trim() || facts.from.username;
  const source = facts.status ? facts.status.spoilerText || facts.status.content : facts.from.note;
  return {
    access_token: facts.accessToken,
    preferred_locale: facts.locale,
    notification_id: facts.notification.id,
    notification_type: facts.notification.type,
    icon: facts.from.avatarStatic,
    title: (TITLES[facts.notification.type] ?? TITLES.mention!)(name),
    body: truncate(htmlToPlainText(source).trim()),
  };
}

/**
 * The payload as JSON, `notification_id` a bare integer as Mastodon's Oj writes it (the official
 * apps decode it as a 64-bit number), which JSON.stringify cannot write for an id beyond 2^53.
 */
export function webPushNotificationJson(payload: ReturnType<typeof serializeWebPushNotification>): string {
  if (!/^\d+$/.test(payload.notification_id)) throw new Error(`not a notification id: ${payload.notification_id}`);
  return JSON.stringify(payload).replace(`"notification_id":"${payload.notification_id}"`, `"notification_id":${payload.notification_id}`);
}
