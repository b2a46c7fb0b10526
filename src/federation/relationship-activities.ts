import { Accept, Block, Follow, Reject, Undo, type Activity } from '@fedify/vocab';
import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { RelationshipDelivery } from '../services/activitypub/relationship-deliveries.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';
import { resolveRemoteAccountByUri } from './resolve-account.ts';

/**
 * The activity as Mastodon's serializers shape it (FollowSerializer, UndoFollowSerializer,
 * AcceptFollowSerializer, RejectFollowSerializer, BlockSerializer, UndoBlockSerializer): the
 * Follow or Block that Undo, Accept and Reject refer to is embedded with its id.
 */
function activityOf(delivery: RelationshipDelivery, local: AccountRow, remote: AccountRow): Activity {
  const id = new URL(delivery.id);
  const actor = new URL(local.uri);
  const other = new URL(remote.uri);
  const objectId = new URL(delivery.objectId ?? delivery.id);
  switch (delivery.activity) {
    case 'Follow':
      return new Follow({ id, actor, object: other });
    case 'UndoFollow':
      return new Undo({ id, actor, object: new Follow({ id: objectId, actor, object: other }) });
    case 'Accept':
      return new Accept({ id, actor, object: new Follow({ id: objectId, actor: other, object: actor }) });
    case 'Reject':
      return new Reject({ id, actor, object: new Follow({ id: objectId, actor: other, object: actor }) });
    case 'Block':
      return new Block({ id, actor, object: other });
    case 'UndoBlock':
      return new Undo({ id, actor, object: new Block({ id: objectId, actor, object: other }) });
  }
}

/**
 * The `push` job behind relationship-deliveries.ts: builds the activity and hands it to Fedify,
 * which queues one signed delivery to the remote account's own inbox (Mastodon sends these to
 * the personal inbox, not the shared one). A remote account known without an inbox is fetched first.
 */
export async function deliverRelationshipActivity(ctx: AppContext, delivery: RelationshipDelivery): Promise<void> {
  const rows = await ctx.db
    .select()
    .from(accounts)
    .where(inArray(accounts.id, [delivery.actorId, delivery.targetId]));
  const local = rows.find((row) => row.id === delivery.actorId && row.domain === null);
  let remote = rows.find((row) => row.id === delivery.targetId && row.domain !== null);
  if (!local || !remote) return;
  if (!remote.inboxUrl) {
    await resolveRemoteAccountByUri(ctx, remote.uri);
    [remote] = await ctx.db.select().from(accounts).where(eq(accounts.id, delivery.targetId));
  }
  if (!remote?.inboxUrl) {
    ctx.log.warn({ accountId: delivery.targetId, activity: delivery.activity }, 'not delivering: the remote account has no known inbox');
    return;
  }
  const recipient = { id: new URL(remote.uri), inboxId: new URL(remote.inboxUrl) };
  const activity = activityOf(delivery, local, remote);
  await withFederation(ctx, (fctx) => fctx.sendActivity({ identifier: accountIdentifier(local) }, recipient, activity));
}
