import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { follows, mutes } from '../../db/schema.ts';
import { FeedMerge, FeedUnmerge } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { publishEvent } from '../instance/events.ts';

/**
 * Mastodon's MuteService: mutes (or re-mutes with new options) `targetId` for `sourceId`, hiding
 * their notifications too unless `notifications` is false; `durationSeconds` > 0 makes the mute
 * expire. The muted account's statuses leave the home feed.
 */
export async function muteAccount(ctx: AppContext, sourceId: string, targetId: string, options: { notifications: boolean; durationSeconds: number }) {
  if (sourceId === targetId) return;
  const expiresAt = options.durationSeconds > 0 ? new Date(Date.now() + options.durationSeconds * 1000) : null;
  await ctx.db
    .insert(mutes)
    .values({ accountId: sourceId, targetAccountId: targetId, hideNotifications: options.notifications, expiresAt })
    .onConflictDoUpdate({ target: [mutes.accountId, mutes.targetAccountId], set: { hideNotifications: options.notifications, expiresAt } });
  await enqueue(ctx, FeedUnmerge, { accountId: sourceId, targetAccountId: targetId });
  await publishEvent(ctx, { type: 'mute.created', accountId: sourceId, targetAccountId: targetId });
}

/** Mastodon's UnmuteService: a followed account's statuses come back into the home feed. */
export async function unmuteAccount(ctx: AppContext, sourceId: string, targetId: string) {
  const removed = await ctx.db
    .delete(mutes)
    .where(and(eq(mutes.accountId, sourceId), eq(mutes.targetAccountId, targetId)))
    .returning({ id: mutes.id });
  if (!removed.length) return;
  const [following] = await ctx.db
    .select({ id: follows.id })
    .from(follows)
    .where(and(eq(follows.accountId, sourceId), eq(follows.targetAccountId, targetId)))
    .limit(1);
  if (following) await enqueue(ctx, FeedMerge, { accountId: sourceId, targetAccountId: targetId });
  await publishEvent(ctx, { type: 'mute.removed', accountId: sourceId, targetAccountId: targetId });
}
