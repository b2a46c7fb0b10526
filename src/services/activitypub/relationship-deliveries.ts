import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { accounts } from '../../db/schema.ts';
import { DeliverRelationship } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';

/**
 * An activity between a local account (`actorId`, who sends it) and a remote one (`targetId`,
 * whose inbox gets it). `objectId` is the id of the Follow (or Block) that Undo, Accept and
 * Reject refer to; the Follow embedded in them is built from the two accounts.
 */
export interface RelationshipDelivery {
  activity: 'Follow' | 'UndoFollow' | 'Accept' | 'Reject' | 'Block' | 'UndoBlock';
  actorId: string;
  targetId: string;
  id: string;
  objectId?: string;
}

/** A new activity id, as Mastodon mints them for follows and blocks (`https://domain/<uuid>`). */
export function newActivityUri(ctx: AppContext): string {
  return `${baseUrl(ctx.config)}/${randomUUID()}`;
}

export interface Party {
  id: string;
  uri: string;
  local: boolean;
}

/** The two accounts of a relationship, by id: their actor URIs and whether they are local. */
export async function partiesOf(ctx: AppContext, ids: string[]): Promise<Map<string, Party>> {
  const rows = await ctx.db.select({ id: accounts.id, uri: accounts.uri, domain: accounts.domain }).from(accounts).where(inArray(accounts.id, ids));
  return new Map(rows.map((row) => [row.id, { id: row.id, uri: row.uri, local: row.domain === null }]));
}

/**
 * Queues the activity in `push`; the federation layer builds, signs and delivers it. While the queue
 * is unreachable the job waits in deferred_jobs, enqueued by the scheduler once it is back
 * (src/jobs/enqueue.ts), so the action it follows is answered normally.
 */
export async function deliverRelationship(ctx: AppContext, delivery: RelationshipDelivery): Promise<void> {
  await enqueue(ctx, DeliverRelationship, delivery);
}

/**
 * A follow (or request) from `source` to `target` went away. Mastodon's UnfollowService tells a
 * remote target with Undo(Follow), and a remote follower of a local account with Reject(Follow).
 */
export async function deliverFollowEnded(ctx: AppContext, sourceId: string, targetId: string, follow: { id: string; uri: string | null }): Promise<void> {
  const parties = await partiesOf(ctx, [sourceId, targetId]);
  const source = parties.get(sourceId);
  const target = parties.get(targetId);
  if (!source || !target || source.local === target.local) return;
  const objectId = follow.uri ?? `${source.uri}#follows/${follow.id}`;
  if (source.local) {
    await deliverRelationship(ctx, { activity: 'UndoFollow', actorId: source.id, targetId: target.id, id: `${source.uri}#follows/${follow.id}/undo`, objectId });
  } else {
    await deliverRelationship(ctx, { activity: 'Reject', actorId: target.id, targetId: source.id, id: `${target.uri}#rejects/follows/${follow.id}`, objectId });
  }
}

/** A local account answered a remote account's follow request: Accept or Reject (Mastodon's AuthorizeFollowService, RejectFollowService). */
export async function deliverFollowAnswer(ctx: AppContext, answer: 'Accept' | 'Reject', localId: string, requesterId: string, request: { id: string; uri: string | null }) {
  const parties = await partiesOf(ctx, [localId, requesterId]);
  const local = parties.get(localId);
  const requester = parties.get(requesterId);
  if (!local?.local || !requester || requester.local) return;
  const path = answer === 'Accept' ? 'accepts' : 'rejects';
  await deliverRelationship(ctx, {
    activity: answer,
    actorId: local.id,
    targetId: requester.id,
    id: `${local.uri}#${path}/follows/${request.id}`,
    objectId: request.uri ?? `${requester.uri}#follows/${request.id}`,
  });
}
