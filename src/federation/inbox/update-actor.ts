import { isActor, type Update } from '@fedify/vocab';
import { updateRemoteActor } from '../resolve-account.ts';
import { senderOf, type InboundContext } from './parties.ts';

/**
 * Update of the sender's own actor (Mastodon's ActivityPub::Activity::Update#update_account): the
 * profile it carries replaces the stored one, the handle staying as confirmed. Returns false when
 * the Update is about something else (a status), for another handler to take.
 */
export async function onActorUpdate(fctx: InboundContext, update: Update): Promise<boolean> {
  const sender = await senderOf(fctx, update);
  if (!sender || update.objectId?.href !== sender.uri) return false;
  // embedded and from the sender's origin, or else fetched from the actor's own URI
  const actor = await update.getObject(fctx).catch(() => null);
  if (isActor(actor) && actor.id?.href === sender.uri) await updateRemoteActor(fctx, sender, actor);
  return true;
}
