import type { Like } from '@fedify/vocab';
import { isTombstoned } from '../../services/activitypub/create-remote-status.ts';
import { favouriteByRemote } from '../../services/activitypub/remote-interactions.ts';
import { statusByUri } from '../status-references.ts';
import { senderOf, type InboundContext } from './parties.ts';

/** Like (Mastodon's ActivityPub::Activity::Like): the sender favourites a local status, unless its Undo came first. */
export async function onLike(fctx: InboundContext, like: Like): Promise<void> {
  const status = await statusByUri(fctx.data, like.objectId?.href ?? null);
  if (!status?.local) return;
  if (like.id && (await isTombstoned(fctx.data, like.id.href))) return;
  const sender = await senderOf(fctx, like);
  if (sender) await favouriteByRemote(fctx.data, sender, status);
}
