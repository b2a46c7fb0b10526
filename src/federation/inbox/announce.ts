import type { Announce } from '@fedify/vocab';
import { reblogByRemote } from '../../services/remote-interactions.ts';
import { visibilityOf } from '../inbound-status.ts';
import { statusByUri } from '../status-references.ts';
import { senderOf, type InboundContext } from './parties.ts';

/**
 * Announce (Mastodon's ActivityPub::Activity::Announce): the sender boosts a status known here, its
 * visibility read from the Announce's addressing. The Announce's id, which names the boost from
 * then on, must be on the sender's host. Boosts of statuses not known here are dropped (fetching
 * them comes with pulling remote statuses).
 */
export async function onAnnounce(fctx: InboundContext, announce: Announce): Promise<void> {
  if (!announce.id || !announce.objectId) return;
  const sender = await senderOf(fctx, announce);
  if (!sender || announce.id.host !== new URL(sender.uri).host) return;
  const original = await statusByUri(fctx.data, announce.objectId.href);
  if (!original) return;
  const followers = sender.followersUrl ? new URL(sender.followersUrl) : null;
  await reblogByRemote(fctx.data, sender, original, {
    uri: announce.id.href,
    visibility: visibilityOf(announce.toIds, announce.ccIds, followers),
    published: announce.published ? new Date(announce.published.epochMilliseconds) : null,
  });
}
