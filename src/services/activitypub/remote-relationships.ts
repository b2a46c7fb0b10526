import { randomUUID } from 'node:crypto';
import { and, eq, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { blocks, followRequests, follows } from '../../db/schema.ts';
import { authorizeFollowRequest } from '../relationships/answer-follow-request.ts';
import { blockAccount, unblockAccount } from '../relationships/block-account.ts';
import { createFollow } from '../relationships/follow-account.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { deliverRelationship } from './relationship-deliveries.ts';
import { refreshIfStale } from './remote-accounts.ts';
import { unfollowAccount } from '../relationships/unfollow-account.ts';

// What remote accounts do to local ones, as Mastodon's ActivityPub::Activity::{Follow, Accept,
// Reject, Undo, Block} handle it. The federation layer has checked who sent what; these change
// the relationships and answer through the same deliveries as the API does.

async function refusesFollowsFrom(ctx: AppContext, local: AccountRow, remote: AccountRow): Promise<boolean> {
  if (local.movedToAccountId || local.suspendedAt) return true;
  const rows = await queryRows(
    ctx.db,
    sql`SELECT 1 FROM blocks WHERE account_id = ${local.id} AND target_account_id = ${remote.id}
        UNION ALL SELECT 1 FROM account_domain_blocks WHERE account_id = ${local.id} AND lower(domain) = lower(${remote.domain})
        LIMIT 1`,
  );
  return rows.length > 0;
}

/**
 * An inbound Follow of `local` by `remote`: refused with a Reject when `local` blocks it (or its
 * domain) or moved away; a repeated Follow updates the id and, for a follow already made, is
 * accepted again; otherwise a follow request, which a locked (or silencing) account answers
 * itself and any other account accepts at once (notified either way).
 */
export async function receiveFollow(ctx: AppContext, remote: AccountRow, local: AccountRow, followUri: string): Promise<void> {
  const [request] = await ctx.db
    .select()
    .from(followRequests)
    .where(and(eq(followRequests.accountId, remote.id), eq(followRequests.targetAccountId, local.id)))
    .limit(1);
  if (request) {
    await ctx.db.update(followRequests).set({ uri: followUri }).where(eq(followRequests.id, request.id));
    return;
  }
  if (await refusesFollowsFrom(ctx, local, remote)) {
    await deliverRelationship(ctx, { activity: 'Reject', actorId: local.id, targetId: remote.id, id: `${local.uri}#rejects/follows/${randomUUID()}`, objectId: followUri });
    return;
  }
  const [follow] = await ctx.db
    .select()
    .from(follows)
    .where(and(eq(follows.accountId, remote.id), eq(follows.targetAccountId, local.id)))
    .limit(1);
  if (follow) {
    await ctx.db.update(follows).set({ uri: followUri }).where(eq(follows.id, follow.id));
    await deliverRelationship(ctx, { activity: 'Accept', actorId: local.id, targetId: remote.id, id: `${local.uri}#accepts/follows/${follow.id}`, objectId: followUri });
    return;
  }
  const [created] = await ctx.db.insert(followRequests).values({ accountId: remote.id, targetAccountId: local.id, uri: followUri }).onConflictDoNothing().returning();
  if (!created) return;
  if (local.locked || remote.silencedAt) {
    await notify(ctx, { recipientId: local.id, fromAccountId: remote.id, type: 'follow_request' });
    return;
  }
  await authorizeFollowRequest(ctx, local.id, remote.id);
}

/** The local account's request to follow `remote` that an Accept or Reject answers: by the Follow's id, or by who asked. */
async function answeredRequest(ctx: AppContext, remote: AccountRow, answered: { followUri?: string; localId?: string }) {
  const match = [answered.followUri ? eq(followRequests.uri, answered.followUri) : undefined, answered.localId ? eq(followRequests.accountId, answered.localId) : undefined].filter(
    (condition) => condition !== undefined,
  );
  if (match.length === 0) return undefined;
  const [request] = await ctx.db
    .select()
    .from(followRequests)
    .where(and(eq(followRequests.targetAccountId, remote.id), or(...match)))
    .limit(1);
  return request;
}

/** An Accept of a local account's follow request: it becomes a follow (and the remote account, newly followed from here, is refreshed). */
export async function followAcceptedByRemote(ctx: AppContext, remote: AccountRow, answered: { followUri?: string; localId?: string }): Promise<void> {
  const request = await answeredRequest(ctx, remote, answered);
  if (!request) return;
  await createFollow(ctx, request.accountId, remote.id, { showReblogs: request.showReblogs, notify: request.notify, languages: request.languages, uri: request.uri });
  await refreshIfStale(ctx, remote);
}

/** A Reject: the local account's request is withdrawn, or its follow ended (a remote account removing a follower). */
export async function followRejectedByRemote(ctx: AppContext, remote: AccountRow, answered: { followUri?: string; localId?: string }): Promise<void> {
  const request = await answeredRequest(ctx, remote, answered);
  if (request) {
    await unfollowAccount(ctx, request.accountId, remote.id, { federate: false });
    return;
  }
  const match = [answered.followUri ? eq(follows.uri, answered.followUri) : undefined, answered.localId ? eq(follows.accountId, answered.localId) : undefined].filter(
    (condition) => condition !== undefined,
  );
  if (match.length === 0) return;
  const [follow] = await ctx.db
    .select()
    .from(follows)
    .where(and(eq(follows.targetAccountId, remote.id), or(...match)))
    .limit(1);
  if (follow) await unfollowAccount(ctx, follow.accountId, remote.id, { federate: false });
}

/** Undo(Follow): `remote` no longer follows `local` (or withdraws its request). */
export async function followUndoneByRemote(ctx: AppContext, remote: AccountRow, localId: string): Promise<void> {
  await unfollowAccount(ctx, remote.id, localId, { federate: false });
}

/** Undo(Accept) (Mastodon's Follow#revoke_request!): the local account's follow of `remote` is a request again. */
export async function acceptUndoneByRemote(ctx: AppContext, remote: AccountRow, followUri: string): Promise<void> {
  const [follow] = await ctx.db
    .select()
    .from(follows)
    .where(and(eq(follows.targetAccountId, remote.id), eq(follows.uri, followUri)))
    .limit(1);
  if (!follow) return;
  await unfollowAccount(ctx, follow.accountId, remote.id, { federate: false });
  await ctx.db
    .insert(followRequests)
    .values({ accountId: follow.accountId, targetAccountId: remote.id, showReblogs: follow.showReblogs, notify: follow.notify, languages: follow.languages, uri: follow.uri })
    .onConflictDoNothing();
}

/** A Block of `local` by `remote`: follows both ways end, the block is recorded (its id updated when repeated). */
export async function blockedByRemote(ctx: AppContext, remote: AccountRow, localId: string, blockUri: string): Promise<void> {
  const updated = await ctx.db
    .update(blocks)
    .set({ uri: blockUri })
    .where(and(eq(blocks.accountId, remote.id), eq(blocks.targetAccountId, localId)))
    .returning({ id: blocks.id });
  if (updated.length) return;
  await blockAccount(ctx, remote.id, localId, { federate: false, uri: blockUri });
}

/** Undo(Block). */
export async function blockUndoneByRemote(ctx: AppContext, remote: AccountRow, localId: string): Promise<void> {
  await unblockAccount(ctx, remote.id, localId, { federate: false });
}

/**
 * An Undo naming only the id of what it undoes: that follow, follow request or block of
 * `remote`'s, if there is one (Mastodon finds them by `uri` too).
 */
export async function undoneByUriByRemote(ctx: AppContext, remote: AccountRow, uri: string): Promise<void> {
  const [follow] = await ctx.db
    .select({ targetId: follows.targetAccountId })
    .from(follows)
    .where(and(eq(follows.accountId, remote.id), eq(follows.uri, uri)))
    .limit(1);
  const [request] = follow
    ? []
    : await ctx.db
        .select({ targetId: followRequests.targetAccountId })
        .from(followRequests)
        .where(and(eq(followRequests.accountId, remote.id), eq(followRequests.uri, uri)))
        .limit(1);
  const unfollowed = follow ?? request;
  if (unfollowed) return followUndoneByRemote(ctx, remote, unfollowed.targetId);
  const [block] = await ctx.db
    .select({ targetId: blocks.targetAccountId })
    .from(blocks)
    .where(and(eq(blocks.accountId, remote.id), eq(blocks.uri, uri)))
    .limit(1);
  if (block) await blockUndoneByRemote(ctx, remote, block.targetId);
}
