import type { Announce } from '@fedify/vocab';
import { isFollowedLocally, reblogByRemote } from '../../services/activitypub/remote-interactions.ts';
import { fetchRemoteStatus } from '../fetch-status.ts';
import { visibilityOf } from '../inbound-status.ts';
import { statusByUri } from '../status-references.ts';
import { senderOf, type InboundContext } from './parties.ts';

/**
 * Announce (Mastodon's ActivityPub::Activity::Announce): the sender boosts a status known here, its
 * visibility read from the Announce's addressing. The Announce's id, which names the boost from
 * then on, must be on the sender's host. A status not known here is fetched from its URI when the
 * booster has followers here (otherwise the boost concerns nobody here).
 */
export async function onAnnounce(fctx: InboundContext, announce: Announce): Promise<void> {
  if (!announce.id || !announce.objectId) return;
  const sender = await senderOf(fctx, announce);
  if (!sender || announce.id.host !== new URL(sender.uri).host) return;
  const known = await statusByUri(fctx.data, announce.objectId.href);
  const original = known ?? ((await isFollowedLocally(fctx.data, sender.id)) ? await fetchRemoteStatus(fctx, announce.objectId) : undefined);
  if (!original) return;
  const followers = sender.followersUrl ? new URL(sender.followersUrl) : null;
  await reblogByRemote(fctx.data, sender, original, {
    uri: announce.id.href,
    visibility: visibilityOf(announce.toIds, announce.ccIds, followers),
    published: announce.published ? new Date(announce.published.epochMilliseconds) : null,
  });
}
