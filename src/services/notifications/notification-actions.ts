import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { notifications } from '../../db/schema.ts';
import { reconsiderNotificationRequests } from './notification-requests.ts';
import { browsable, type NotificationQuery, notificationsMarker } from './notifications.ts';

/** `GET /api/v1/notifications/unread_count`: the notifications past the member's marker, counted up to `limit`. */
export async function unreadNotificationsCount(ctx: AppContext, accountId: string, query: NotificationQuery, limit: number): Promise<number> {
  const marker = await notificationsMarker(ctx, accountId);
  const rows = await ctx.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(sql`${browsable(accountId, query)} ${marker ? sql`AND ${notifications.id} > ${marker}` : sql``}`)
    .limit(limit);
  return rows.length;
}

/** `POST /api/v1/notifications/:id/dismiss`: false when the member has no such notification. */
export async function dismissNotification(ctx: AppContext, accountId: string, id: string): Promise<boolean> {
  const deleted = await ctx.db
    .delete(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.accountId, accountId)))
    .returning({ id: notifications.id, accountId: notifications.accountId, fromAccountId: notifications.fromAccountId, filtered: notifications.filtered });
  if (deleted.length === 0) return false;
  await reconsiderNotificationRequests(ctx.db, deleted);
  return true;
}

/** `POST /api/v2/notifications/:group_key/dismiss`: the group's notifications go (`ungrouped-<id>` names one). */
export async function dismissNotificationGroup(ctx: AppContext, accountId: string, groupKey: string): Promise<void> {
  const ungrouped = /^ungrouped-(\d{1,18})$/.exec(groupKey);
  await ctx.db.delete(notifications).where(and(eq(notifications.accountId, accountId), ungrouped ? eq(notifications.id, ungrouped[1]!) : eq(notifications.groupKey, groupKey)));
}
