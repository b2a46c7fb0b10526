import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accountPins, blocks } from '../db/schema.ts';
import { FeedUnmerge } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';
import { publishEvent } from './events.ts';
import { unfollowAccount } from './unfollow-account.ts';

/**
 * Mastodon's BlockService: severs follows and follow requests both ways (each side's feed loses
 * the other's statuses), drops endorsements both ways, then records the block. Blocking yourself
 * does nothing.
 */
export async function blockAccount(ctx: AppContext, sourceId: string, targetId: string) {
  if (sourceId === targetId) return;
  await unfollowAccount(ctx, sourceId, targetId);
  await unfollowAccount(ctx, targetId, sourceId);
  await ctx.db.delete(accountPins).where(and(eq(accountPins.accountId, sourceId), eq(accountPins.targetAccountId, targetId)));
  await ctx.db.delete(accountPins).where(and(eq(accountPins.accountId, targetId), eq(accountPins.targetAccountId, sourceId)));
  const [created] = await ctx.db.insert(blocks).values({ accountId: sourceId, targetAccountId: targetId }).onConflictDoNothing().returning();
  if (!created) return;
  // reblogs and such of the other side leave both home feeds, followed or not (BlockWorker)
  await enqueue(ctx, FeedUnmerge, { accountId: sourceId, targetAccountId: targetId });
  await enqueue(ctx, FeedUnmerge, { accountId: targetId, targetAccountId: sourceId });
  await publishEvent(ctx, { type: 'block.created', accountId: sourceId, targetAccountId: targetId });
}

/** Mastodon's UnblockService. */
export async function unblockAccount(ctx: AppContext, sourceId: string, targetId: string) {
  const removed = await ctx.db
    .delete(blocks)
    .where(and(eq(blocks.accountId, sourceId), eq(blocks.targetAccountId, targetId)))
    .returning({ id: blocks.id });
  if (removed.length) await publishEvent(ctx, { type: 'block.removed', accountId: sourceId, targetAccountId: targetId });
}
