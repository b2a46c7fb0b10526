import { Announce, Like, type Undo } from '@fedify/vocab';
import { findRemoteStatus } from '../../services/activitypub/create-remote-status.ts';
import { buryUri, deleteRemoteStatus } from '../../services/activitypub/delete-remote-status.ts';
import { unfavouriteByRemote } from '../../services/activitypub/remote-interactions.ts';
import { statusByUri } from '../status-references.ts';
import { embeddedObject, senderOf, type InboundContext } from './parties.ts';

/**
 * Undo of the sender's Announce or Like (Mastodon's ActivityPub::Activity::Undo#undo_announce and
 * #undo_like): the boost or favourite goes. One not received yet leaves a tombstone, so that it is
 * refused when it arrives after its Undo. An Undo naming only a URI takes back the boost with that
 * id. Returns false for other objects, for another handler.
 */
export async function onInteractionUndo(fctx: InboundContext, undo: Undo): Promise<boolean> {
  const object = await embeddedObject(undo);
  if (object !== null && !(object instanceof Announce || object instanceof Like)) return false;
  const sender = await senderOf(fctx, undo);
  if (!sender) return true;
  if (object === null || object instanceof Announce) {
    const uri = object?.id ?? undo.objectId;
    if (!uri || (object && object.actorId?.href !== sender.uri)) return true;
    const boost = await findRemoteStatus(fctx.data, sender, uri.href);
    if (boost?.reblogOfId) await deleteRemoteStatus(fctx.data, sender, uri.href);
    else if (object) await buryUri(fctx.data, sender, uri.href);
    return true;
  }
  if (object.actorId?.href !== sender.uri) return true;
  const status = await statusByUri(fctx.data, object.objectId?.href ?? null);
  const undone = status ? await unfavouriteByRemote(fctx.data, sender, status) : false;
  if (!undone && object.id) await buryUri(fctx.data, sender, object.id.href);
  return true;
}
