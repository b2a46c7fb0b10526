import { sql, type SQLWrapper } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { users, webPushSubscriptions, type NotificationRow } from '../../db/schema.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { WebPushNotification } from '../../jobs/definitions.ts';

/**
 * Whether a subscription wants this notification (Web::PushSubscription#pushable?): its alert for
 * the type is on, and its policy lets the sender through — `followed`, accounts the member follows;
 * `follower`, accounts following the member; `none`, nobody.
 */
export function pushableCondition(notification: Record<'accountId' | 'fromAccountId' | 'type', string | SQLWrapper>) {
  return sql`coalesce((${webPushSubscriptions.data} -> 'alerts' ->> ${notification.type}::text)::boolean, false)
    AND CASE coalesce(${webPushSubscriptions.data} ->> 'policy', 'all')
      WHEN 'all' THEN true
      WHEN 'followed' THEN EXISTS (SELECT 1 FROM follows WHERE account_id = ${notification.accountId} AND target_account_id = ${notification.fromAccountId})
      WHEN 'follower' THEN EXISTS (SELECT 1 FROM follows WHERE account_id = ${notification.fromAccountId} AND target_account_id = ${notification.accountId})
      ELSE false END`;
}

/** Enqueues one push job per subscription of the recipient that wants this notification (NotifyService#push_to_web_push_subscriptions!). */
export async function enqueueWebPushes(ctx: AppContext, notification: NotificationRow): Promise<void> {
  if (!ctx.config.vapid) return;
  const rows = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`SELECT ${webPushSubscriptions.id} AS id FROM ${webPushSubscriptions}
      JOIN ${users} ON ${users.id} = ${webPushSubscriptions.userId}
      WHERE ${users.accountId} = ${notification.accountId} AND ${pushableCondition(notification)}`,
  );
  for (const { id } of rows) await enqueue(ctx, WebPushNotification, { subscriptionId: String(id), notificationId: notification.id });
}
