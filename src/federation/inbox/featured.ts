import type { Add, Remove } from '@fedify/vocab';
import { featureTagByRemote, pinByRemote, unpinByRemote } from '../../services/statuses/pin-status.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { fetchRemoteStatus } from '../fetch-status.ts';
import { rawObjectOf, statusByUri } from '../status-references.ts';
import { senderOf, type InboundContext } from './parties.ts';

/** The embedded Hashtag's name (`#tag` or `tag`), when the object is one. */
async function hashtagName(activity: Add | Remove): Promise<string | undefined> {
  const raw = (await rawObjectOf(activity)) as Record<string, unknown> | undefined;
  const type = raw?.type;
  if (typeof type !== 'string' || !/(^|[#:])Hashtag$/.test(type)) return undefined;
  return typeof raw!.name === 'string' ? raw!.name : undefined;
}

/** The sender, when the activity's target is the sender's own featured collection (Mastodon compares it with featured_collection_url). */
async function featuringSender(fctx: InboundContext, activity: Add | Remove): Promise<AccountRow | undefined> {
  const target = activity.targetId;
  if (!target) return undefined;
  const sender = await senderOf(fctx, activity);
  if (!sender?.featuredCollectionUrl || sender.featuredCollectionUrl !== target.href) return undefined;
  return sender;
}

/**
 * Add to the sender's featured collection (Mastodon's ActivityPub::Activity::Add): a status of its
 * own is pinned (fetched first when not known here), a Hashtag becomes a featured tag. Anything
 * else, or another account's status, is ignored.
 */
export async function onAdd(fctx: InboundContext, add: Add): Promise<void> {
  const sender = await featuringSender(fctx, add);
  if (!sender) return;
  const tag = await hashtagName(add);
  if (tag !== undefined) {
    await featureTagByRemote(fctx.data, sender, tag, true);
    return;
  }
  const objectId = add.objectId;
  if (!objectId || objectId.host !== new URL(sender.uri).host) return;
  const status = (await statusByUri(fctx.data, objectId.href)) ?? (await fetchRemoteStatus(fctx, objectId));
  if (status && !status.deletedAt) await pinByRemote(fctx.data, sender, status);
}

/** Remove from the sender's featured collection (ActivityPub::Activity::Remove): the status is unpinned, a Hashtag no longer featured. */
export async function onRemove(fctx: InboundContext, remove: Remove): Promise<void> {
  const sender = await featuringSender(fctx, remove);
  if (!sender) return;
  const tag = await hashtagName(remove);
  if (tag !== undefined) {
    await featureTagByRemote(fctx.data, sender, tag, false);
    return;
  }
  const status = await statusByUri(fctx.data, remove.objectId?.href ?? null);
  if (status) await unpinByRemote(fctx.data, sender, status);
}
