import type { WebPushSubscriptionRow } from '../db/schema.ts';
import { PUSH_ALERT_TYPES } from '../lib/push-alerts.ts';

/** Mastodon's WebPushSubscription entity (REST::WebPushSubscriptionSerializer): `server_key` is the instance's VAPID public key. */
export function serializeWebPushSubscription(row: WebPushSubscriptionRow, serverKey: string) {
  return {
    id: row.id,
    endpoint: row.endpoint,
    standard: row.standard,
    alerts: Object.fromEntries(PUSH_ALERT_TYPES.map((type) => [type, row.data.alerts[type] === true])),
    policy: row.data.policy,
    server_key: serverKey,
  };
}
