import { Accept, Block, Follow, type Undo } from '@fedify/vocab';
import { acceptUndoneByRemote, blockUndoneByRemote, followUndoneByRemote, undoneByUriByRemote } from '../../services/activitypub/remote-relationships.ts';
import { embeddedObject, localAccountOfUri, senderOf, type InboundContext } from './parties.ts';

/**
 * Undo (Mastodon's ActivityPub::Activity::Undo) of a relationship the sender made: a Follow, a
 * Block or an Accept, embedded or named by id only (then the sender's follow or block with that
 * id, if any, is undone). Returns false for an embedded Announce, Like or anything else, for
 * another handler to take.
 */
export async function onRelationshipUndo(fctx: InboundContext, undo: Undo): Promise<boolean> {
  const object = await embeddedObject(undo);
  if (object !== null && !(object instanceof Follow || object instanceof Block || object instanceof Accept)) return false;
  const sender = await senderOf(fctx, undo);
  if (!sender) return true;
  if (object === null) {
    if (undo.objectId) await undoneByUriByRemote(fctx.data, sender, undo.objectId.href);
    return false;
  }
  // only what the sender itself did can be undone by it
  if (object.id === null || object.actorId?.href !== sender.uri) return true;
  if (object instanceof Accept) {
    if (object.objectId) await acceptUndoneByRemote(fctx.data, sender, object.objectId.href);
    return true;
  }
  const local = await localAccountOfUri(fctx.data, object.objectId);
  if (!local) await undoneByUriByRemote(fctx.data, sender, object.id.href);
  else if (object instanceof Follow) await followUndoneByRemote(fctx.data, sender, local.id);
  else await blockUndoneByRemote(fctx.data, sender, local.id);
  return true;
}
