import type { Follow } from '@fedify/vocab';
import { receiveFollow } from '../../services/activitypub/remote-relationships.ts';
import { localAccountOfUri, senderOf, type InboundContext } from './parties.ts';

/** Follow of a local account (Mastodon's ActivityPub::Activity::Follow); a Follow with no id cannot be answered, so it is dropped. */
export async function onFollow(fctx: InboundContext, follow: Follow): Promise<void> {
  if (!follow.id) return;
  const local = await localAccountOfUri(fctx.data, follow.objectId);
  if (!local) return;
  const sender = await senderOf(fctx, follow);
  if (!sender) return;
  await receiveFollow(fctx.data, sender, local, follow.id.href);
}
