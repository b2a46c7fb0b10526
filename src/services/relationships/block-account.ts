import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountPins, blocks } from '../../db/schema.ts';
import { FeedUnmerge } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { publishEvent } from '../instance/events.ts';
import { deliverRelationship, newActivityUri, partiesOf } from '../activitypub/relationship-deliveries.ts';
import { unfollowAccount } from './unfollow-account.ts';

/**
 * Mastodon's BlockService: severs follows and follow requests both ways (each side's feed loses
 * the other's statuses), drops endorsements both ways, then records the block; a remote target is
 * sent a Block. Blocking yourself does nothing. `federate: false` is for a block that arrived
 * from the remote source itself (then the follows ending are not announced back either).
 */
export async function blockAccount(ctx: AppContext, sourceId: string, targetId: string, options: { federate?: boolean; uri?: string } = {}) {
  if (sourceId === targetId) return;
  const federate = options.federate !== false;
  const target = federate ? (await partiesOf(ctx, [targetId])).get(targetId) : undefined;
  const remoteTarget = target !== undefined && !target.local;
  await unfollowAccount(ctx, sourceId, targetId, { federate });
  await unfollowAccount(ctx, targetId, sourceId, { federate });
  await ctx.db.delete(accountPins).where(and(eq(accountPins.accountId, sourceId), eq(accountPins.targetAccountId, targetId)));
  await ctx.db.delete(accountPins).where(and(eq(accountPins.accountId, targetId), eq(accountPins.targetAccountId, sourceId)));
  const uri = options.uri ?? (remoteTarget ? newActivityUri(ctx) : null);
  const [created] = await ctx.db.insert(blocks).values({ accountId: sourceId, targetAccountId: targetId, uri }).onConflictDoNothing().returning();
  if (!created) return;
  if (remoteTarget) await deliverRelationship(ctx, { activity: 'Block', actorId: sourceId, targetId, id: created.uri! });
  // reblogs and such of the other side leave both home feeds, followed or not (BlockWorker)
  await enqueue(ctx, FeedUnmerge, { accountId: sourceId, targetAccountId: targetId });
  await enqueue(ctx, FeedUnmerge, { accountId: targetId, targetAccountId: sourceId });
  await publishEvent(ctx, { type: 'block.created', accountId: sourceId, targetAccountId: targetId });
}

/** Mastodon's UnblockService: a remote target is sent Undo(Block) unless `federate` is false. */
export async function unblockAccount(ctx: AppContext, sourceId: string, targetId: string, options: { federate?: boolean } = {}) {
  const [removed] = await ctx.db
    .delete(blocks)
    .where(and(eq(blocks.accountId, sourceId), eq(blocks.targetAccountId, targetId)))
    .returning({ id: blocks.id, uri: blocks.uri });
  if (!removed) return;
  await publishEvent(ctx, { type: 'block.removed', accountId: sourceId, targetAccountId: targetId });
  if (options.federate === false) return;
  const parties = await partiesOf(ctx, [sourceId, targetId]);
  const source = parties.get(sourceId);
  const target = parties.get(targetId);
  if (!source?.local || !target || target.local) return;
  await deliverRelationship(ctx, {
    activity: 'UndoBlock',
    actorId: sourceId,
    targetId,
    id: `${source.uri}#blocks/${removed.id}/undo`,
    objectId: removed.uri ?? `${source.uri}#blocks/${removed.id}`,
  });
}
