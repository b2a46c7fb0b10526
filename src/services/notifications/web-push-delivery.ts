import { and, eq } from 'drizzle-orm';
import webPush from 'web-push';
import type { AppContext } from '../../context.ts';
import { accounts, notifications, statuses, users, webPushSubscriptions } from '../../db/schema.ts';
import { guardedFetch, OutboundRequestRefused, unwrappedFetch } from '../../lib/outbound-fetch.ts';
import { plainRequestPolicy } from '../../lib/remote-file.ts';
import { unseal } from '../../lib/sealed-text.ts';
import { accountImageUrls } from '../../serializers/media-urls.ts';
import { serializeWebPushNotification, webPushNotificationJson } from '../../serializers/web-push-notification.ts';
import { getSettings } from '../accounts/settings.ts';
import { pushableCondition } from './web-push.ts';
import { SEALED_TOKEN_PURPOSE } from './web-push-subscriptions.ts';

/** How long a push service keeps an undelivered message, and how soon it should deliver (Web::PushNotificationWorker). */
const TTL_SECONDS = 48 * 60 * 60;
const URGENCY = 'normal';

/** A push service's answer that is neither success nor the end of the subscription: the job is tried again later. */
export class PushServiceError extends Error {}

/**
 * The push and what its payload shows, in one query, if the subscription and the notification still
 * exist and the subscription still wants it (its alerts or policy may have changed since, the sender
 * may have been unfollowed), and the status it is about was not deleted meanwhile (the worker's
 * `activity.present?`).
 */
async function loadPush(ctx: AppContext, subscriptionId: string, notificationId: string) {
  const [found] = await ctx.db
    .select({
      subscription: webPushSubscriptions,
      notification: notifications,
      locale: users.locale,
      from: accounts,
      status: { spoilerText: statuses.spoilerText, content: statuses.content, deletedAt: statuses.deletedAt },
    })
    .from(webPushSubscriptions)
    .innerJoin(users, eq(users.id, webPushSubscriptions.userId))
    .innerJoin(notifications, and(eq(notifications.id, notificationId), eq(notifications.accountId, users.accountId)))
    .innerJoin(accounts, eq(accounts.id, notifications.fromAccountId))
    .leftJoin(statuses, eq(statuses.id, notifications.statusId))
    .where(and(eq(webPushSubscriptions.id, subscriptionId), pushableCondition({ accountId: notifications.accountId, fromAccountId: notifications.fromAccountId, type: notifications.type })))
    .limit(1);
  if (!found || (found.notification.statusId && (!found.status || found.status.deletedAt))) return undefined;
  return found;
}

/** The encrypted payload's JSON (Web::NotificationSerializer), for the subscription's own token and its member's locale. */
function payloadJson(ctx: AppContext, push: NonNullable<Awaited<ReturnType<typeof loadPush>>>): string {
  const { from, status } = push;
  return webPushNotificationJson(
    serializeWebPushNotification({
      notification: push.notification,
      from: { username: from.username, displayName: from.displayName, note: from.note, avatarStatic: accountImageUrls({ config: ctx.config, storage: ctx.storage }, from).avatar_static },
      status: status && push.notification.statusId ? status : null,
      accessToken: unseal(ctx.config.secretKeyBase, SEALED_TOKEN_PURPOSE, push.subscription.accessTokenSealed),
      locale: push.locale ?? 'en',
    }),
  );
}

/** Whether the request was refused before anything was sent (a private address): trying again cannot help. */
function refused(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (cause instanceof OutboundRequestRefused) return true;
  return false;
}

/** VAPID's contact (RFC 8292 `sub`): the instance's contact address, as Mastodon sends it, or its own address. */
async function vapidSubject(ctx: AppContext): Promise<string> {
  const { site_contact_email: email } = await getSettings(ctx);
  return email ? `mailto:${email}` : `mailto:notifications@${ctx.config.localDomain.replace(/:\d+$/, '')}`;
}

/**
 * Sends one notification to one subscription (Web::PushNotificationWorker): the payload encrypted
 * for the device (RFC 8291 `aes128gcm`, or the older `aesgcm` for a subscription not marked
 * `standard`), signed with the instance's VAPID key, through the same private-address guard as
 * every outbound request. A 4xx other than 408 and 429 means the subscription is gone: it is
 * deleted. Any other failure throws, and the queue tries again later.
 */
export async function deliverWebPush(ctx: AppContext, data: { subscriptionId: string; notificationId: string }): Promise<void> {
  const vapid = ctx.config.vapid;
  if (!vapid) return;
  const push = await loadPush(ctx, data.subscriptionId, data.notificationId);
  if (!push) return;
  const { subscription } = push;
  const payload = payloadJson(ctx, push);
  const request = webPush.generateRequestDetails({ endpoint: subscription.endpoint, keys: { p256dh: subscription.keyP256dh, auth: subscription.keyAuth } }, payload, {
    vapidDetails: { subject: await vapidSubject(ctx), publicKey: vapid.publicKey, privateKey: vapid.privateKey },
    TTL: TTL_SECONDS,
    urgency: URGENCY,
    contentEncoding: subscription.standard ? 'aes128gcm' : 'aesgcm',
  });
  // fetch sets the length itself
  const headers = Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (name.toLowerCase() === 'content-length' ? [] : [[name, String(value)]])));
  let response: Response;
  try {
    response = await guardedFetch(unwrappedFetch(), plainRequestPolicy(ctx.config), subscription.endpoint, { method: 'POST', headers, body: request.body ? new Uint8Array(request.body) : undefined });
  } catch (error) {
    if (refused(error)) {
      ctx.log.warn({ subscriptionId: subscription.id, err: error }, 'refused to push to a private address');
      return;
    }
    throw error;
  }
  await response.body?.cancel();
  if (response.status >= 200 && response.status < 300) return;
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    await ctx.db.delete(webPushSubscriptions).where(eq(webPushSubscriptions.id, subscription.id));
    return;
  }
  throw new PushServiceError(`push service answered ${response.status} for subscription ${subscription.id}`);
}
