import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { notificationPermissions, notificationRequests, notifications, statuses } from '../../db/schema.ts';
import { channels, publishToStream } from '../../streaming/channels.ts';
import { updateConversations } from '../statuses/conversations.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import type { NotificationRequestRow } from '../../db/schema.ts';

export type { NotificationRequestRow };

/** Counts stop here (Mastodon's NotificationRequest::MAX_MEANINGFUL_COUNT). */
const MAX_MEANINGFUL_COUNT = 100;

/** The filtered mentions a request stands for, counted up to 100 (NotificationRequest#prepare_notifications_count). */
const filteredMentionsCount = (accountId: string, fromAccountId: string) => sql`(SELECT count(*)::int FROM (
  SELECT 1 FROM ${notifications}
   WHERE ${notifications.accountId} = ${accountId} AND ${notifications.fromAccountId} = ${fromAccountId}
     AND ${notifications.type} = 'mention' AND ${notifications.filtered}
   LIMIT ${MAX_MEANINGFUL_COUNT}) AS held)`;

/** Makes or updates the request of a sender whose mention was just filtered (NotifyService#update_notification_request!). */
export async function recordNotificationRequest(ctx: AppContext, accountId: string, fromAccountId: string, statusId: string) {
  await ctx.db
    .insert(notificationRequests)
    .values({ accountId, fromAccountId, lastStatusId: statusId, notificationsCount: filteredMentionsCount(accountId, fromAccountId) })
    .onConflictDoUpdate({
      target: [notificationRequests.accountId, notificationRequests.fromAccountId],
      set: { lastStatusId: statusId, notificationsCount: filteredMentionsCount(accountId, fromAccountId), updatedAt: new Date() },
    });
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * After filtered notifications went away, recounts the requests they were in and deletes those
 * left empty (NotificationRequest#reconsider_existence!, run when a notification is destroyed).
 */
export async function reconsiderNotificationRequests(db: Tx | Database, removed: { accountId: string; fromAccountId: string; filtered: boolean }[]) {
  const pairs = [...new Map(removed.filter((row) => row.filtered).map((row) => [`${row.accountId}:${row.fromAccountId}`, row])).values()];
  for (const { accountId, fromAccountId } of pairs) {
    const where = and(eq(notificationRequests.accountId, accountId), eq(notificationRequests.fromAccountId, fromAccountId));
    const [request] = await db
      .update(notificationRequests)
      .set({
        notificationsCount: filteredMentionsCount(accountId, fromAccountId),
        // a deleted last status is gone from the request, as Mastodon nullifies it
        lastStatusId: sql`CASE WHEN EXISTS (SELECT 1 FROM statuses WHERE id = ${notificationRequests.lastStatusId} AND deleted_at IS NULL) THEN ${notificationRequests.lastStatusId} END`,
        updatedAt: new Date(),
      })
      .where(where)
      .returning({ count: notificationRequests.notificationsCount });
    if (request && request.count === 0) await db.delete(notificationRequests).where(where);
  }
}

/** A member's requests, none from suspended accounts. */
const ownRequests = (accountId: string): SQL =>
  sql`${notificationRequests.accountId} = ${accountId}
      AND NOT EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = ${notificationRequests.fromAccountId} AND fa.suspended_at IS NOT NULL)`;

export async function listNotificationRequests(ctx: AppContext, accountId: string, page: Page): Promise<NotificationRequestRow[]> {
  const rows = await ctx.db
    .select()
    .from(notificationRequests)
    .where(sql`${ownRequests(accountId)} AND ${pageCondition(notificationRequests.id, page)}`)
    .orderBy(pageOrder(notificationRequests.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}

export async function findNotificationRequests(ctx: AppContext, accountId: string, ids: string[]): Promise<NotificationRequestRow[]> {
  if (ids.length === 0) return [];
  return ctx.db
    .select()
    .from(notificationRequests)
    .where(sql`${ownRequests(accountId)} AND ${inArray(notificationRequests.id, ids)}`);
}

/**
 * Accepts requests (AcceptNotificationRequestService and UnfilterNotificationsWorker): their
 * senders are no longer filtered for the member, their held notifications join the others (and held
 * direct messages the member's conversations), and the
 * member's streams hear `notifications_merged`. The merge is done before this returns, so
 * `/requests/merged` is true at once.
 */
export async function acceptNotificationRequests(ctx: AppContext, accountId: string, rows: NotificationRequestRow[]) {
  if (rows.length === 0) return;
  for (const row of rows) {
    const heldDirect = await ctx.db
      .select({ status: statuses })
      .from(notifications)
      .innerJoin(statuses, eq(statuses.id, notifications.statusId))
      .where(
        and(
          eq(notifications.accountId, accountId),
          eq(notifications.fromAccountId, row.fromAccountId),
          eq(notifications.filtered, true),
          eq(notifications.type, 'mention'),
          eq(statuses.visibility, 'direct'),
        ),
      );
    for (const { status } of heldDirect) await updateConversations(ctx, status, { onlyFor: accountId });
    await ctx.db.insert(notificationPermissions).values({ accountId, fromAccountId: row.fromAccountId }).onConflictDoNothing();
    await ctx.db
      .update(notifications)
      .set({ filtered: false })
      .where(and(eq(notifications.accountId, accountId), eq(notifications.fromAccountId, row.fromAccountId), eq(notifications.filtered, true)));
    await ctx.db.delete(notificationRequests).where(eq(notificationRequests.id, row.id));
  }
  await publishToStream(ctx, channels.notifications(accountId), 'notifications_merged', '1');
}

/** Dismisses requests and deletes the notifications they held (DismissNotificationRequestService). */
export async function dismissNotificationRequests(ctx: AppContext, accountId: string, rows: NotificationRequestRow[]) {
  for (const row of rows) {
    await ctx.db.delete(notifications).where(and(eq(notifications.accountId, accountId), eq(notifications.fromAccountId, row.fromAccountId), eq(notifications.filtered, true)));
    await ctx.db.delete(notificationRequests).where(eq(notificationRequests.id, row.id));
  }
}

/** The policy's `summary` (NotificationPolicy#summarize!). */
export async function pendingRequestsSummary(ctx: AppContext, accountId: string) {
  const [row] = await queryRows<{ requests: number | string; notifications: number | string }>(
    ctx.db,
    sql`SELECT count(*) AS requests, coalesce(sum(${notificationRequests.notificationsCount}), 0) AS notifications
          FROM ${notificationRequests} WHERE ${ownRequests(accountId)}`,
  );
  return { pending_requests_count: Number(row?.requests ?? 0), pending_notifications_count: Number(row?.notifications ?? 0) };
}
