import { Follow, type Accept, type Reject } from '@fedify/vocab';
import { followAcceptedByRemote, followRejectedByRemote } from '../../services/activitypub/remote-relationships.ts';
import { embeddedObject, localAccountOfUri, senderOf, type InboundContext } from './parties.ts';

/**
 * Which of the local accounts' follows an Accept or Reject answers: the Follow's id, and when the
 * Follow is embedded, the local account that sent it (it must be addressed to the sender).
 */
async function answeredFollow(fctx: InboundContext, answer: Accept | Reject, senderUri: string) {
  const object = await embeddedObject(answer);
  if (object instanceof Follow) {
    if (object.objectId?.href !== senderUri) return undefined;
    const local = await localAccountOfUri(fctx.data, object.actorId);
    return { followUri: object.id?.href, localId: local?.id };
  }
  return answer.objectId ? { followUri: answer.objectId.href } : undefined;
}

/** Accept of a local account's Follow (Mastodon's ActivityPub::Activity::Accept). */
export async function onAccept(fctx: InboundContext, accept: Accept): Promise<void> {
  const sender = await senderOf(fctx, accept);
  const answered = sender && (await answeredFollow(fctx, accept, sender.uri));
  if (sender && answered) await followAcceptedByRemote(fctx.data, sender, answered);
}

/** Reject of a local account's Follow, or of its follow already accepted (Mastodon's ActivityPub::Activity::Reject). */
export async function onReject(fctx: InboundContext, reject: Reject): Promise<void> {
  const sender = await senderOf(fctx, reject);
  const answered = sender && (await answeredFollow(fctx, reject, sender.uri));
  if (sender && answered) await followRejectedByRemote(fctx.data, sender, answered);
}
