import type { Update } from '@fedify/vocab';
import { findRemoteStatus } from '../../services/activitypub/create-remote-status.ts';
import { editRemoteStatus } from '../../services/activitypub/edit-remote-status.ts';
import { forwardStatusUpdate } from '../forward-reply.ts';
import { parseStatusObject } from '../inbound-status.ts';
import { remoteMediaOf } from '../remote-media.ts';
import { rawObjectOf, remoteStatusInput } from '../status-references.ts';
import { embeddedObject, senderOf, type InboundContext } from './parties.ts';

/**
 * Update of one of the sender's statuses (Mastodon's ActivityPub::Activity::Update#update_status):
 * the embedded new version, read and checked as a Create's object is, is applied as an edit, its
 * attachments replacing the old ones, and a signed edit forwarded as Mastodon's Forwarder does (or,
 * undated, as a poll's new counts). An Update of a status not known here is dropped. Returns false
 * when the object is not a status, for another handler.
 */
export async function onStatusUpdate(fctx: InboundContext, update: Update): Promise<boolean> {
  const object = await embeddedObject(update);
  if (!object?.id) return false;
  const sender = await senderOf(fctx, update);
  if (!sender) return true;
  const status = await findRemoteStatus(fctx.data, sender, object.id.href);
  if (!status || status.reblogOfId) return true;
  const parsed = await parseStatusObject(object, {
    actorId: new URL(sender.uri),
    followersId: sender.followersUrl ? new URL(sender.followersUrl) : null,
    raw: await rawObjectOf(update),
    activity: { to: update.toIds, cc: update.ccIds },
  });
  if (!parsed.ok) {
    fctx.data.log.info({ activity: update.id?.href, reason: parsed.reason }, 'refused a remote status update');
    return true;
  }
  const input = await remoteStatusInput(fctx.data, parsed.status, null);
  const media = await remoteMediaOf(fctx.data, sender, parsed.status.attachments);
  const edited = await editRemoteStatus(fctx.data, sender, status, { ...input, ...media, editedAt: parsed.status.updated });
  await forwardStatusUpdate(fctx, sender, status, edited);
  return true;
}
