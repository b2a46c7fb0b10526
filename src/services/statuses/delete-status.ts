import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, notifications, statusPins, statuses } from '../../db/schema.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { FeedRemoval } from '../../jobs/definitions.ts';
import { removeFromConversations } from './conversations.ts';
import { reconsiderNotificationRequests } from '../notifications/notification-requests.ts';
import { findOwnStatus } from './edit-status.ts';
import { refreshRepliesCount, type StatusRow } from './post-status.ts';
import { deliverStatus } from '../activitypub/status-deliveries.ts';
import { purgeStatusMedia } from '../moderation/purge-media.ts';
import { removeStoredFiles } from '../media/stored-files.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

/**
 * Deletes one of the author's statuses (Status#discard_with_reblogs + RemoveStatusService): marks it
 * and its reblogs deleted, fixes the counters (the author's statuses_count, each reblogger's, the
 * parent's replies_count), drops its pins and notifications, enqueues the removal from every feed
 * and publishes `status.deleted`. Returns the status as it was, for delete-and-redraft. With
 * `removeMedia` (a remote status), its attachments' rows and stored files go too.
 */
export async function deleteStatus(ctx: AppContext, accountId: string, statusId: string, options: { removeMedia?: boolean } = {}): Promise<StatusRow> {
  const status = await findOwnStatus(ctx, accountId, statusId);
  let mediaFiles: string[] = [];
  const reblogs = await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx
      .update(statuses)
      .set({ deletedAt: sql`now()` })
      .where(and(eq(statuses.id, status.id), isNull(statuses.deletedAt)))
      .returning({ id: statuses.id });
    if (!deleted) return null; // a concurrent delete won
    const removedReblogs = await tx
      .update(statuses)
      .set({ deletedAt: sql`now()` })
      .where(and(eq(statuses.reblogOfId, status.id), isNull(statuses.deletedAt)))
      .returning({ id: statuses.id, accountId: statuses.accountId });
    if (status.visibility !== 'direct') {
      await tx
        .update(accounts)
        .set({ statusesCount: sql`greatest(${accounts.statusesCount} - 1, 0)` })
        .where(eq(accounts.id, status.accountId));
    }
    for (const reblog of removedReblogs) {
      await tx
        .update(accounts)
        .set({ statusesCount: sql`greatest(${accounts.statusesCount} - 1, 0)` })
        .where(eq(accounts.id, reblog.accountId));
    }
    if (status.inReplyToId) await refreshRepliesCount(tx, status.inReplyToId);
    const ids = [status.id, ...removedReblogs.map((r) => r.id)];
    await tx.delete(statusPins).where(eq(statusPins.statusId, status.id));
    const removed = await tx
      .delete(notifications)
      .where(inArray(notifications.statusId, ids))
      .returning({ accountId: notifications.accountId, fromAccountId: notifications.fromAccountId, filtered: notifications.filtered });
    await reconsiderNotificationRequests(tx, removed);
    if (options.removeMedia) mediaFiles = await purgeStatusMedia(tx, status.id, status.accountId);
    return removedReblogs;
  });
  if (reblogs) {
    // the original's FeedRemoval takes its reblogs out of every feed too
    await forgetStatusParts(ctx, [status.id, ...reblogs.map((reblog) => reblog.id)]);
    await forgetAccounts(ctx, [status.accountId, ...reblogs.map((reblog) => reblog.accountId)]);
    await enqueue(ctx, FeedRemoval, { statusId: status.id });
    if (status.visibility === 'direct') await removeFromConversations(ctx, status.id);
    await deliverStatus(ctx, status, 'delete');
    await removeStoredFiles(ctx, mediaFiles, { reason: 'status deleted' });
  }
  return status;
}
