import { Note, type Create, type Object as APObject } from '@fedify/vocab';
import { createRemoteStatus } from '../../services/activitypub/create-remote-status.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { voteByRemote } from '../../services/activitypub/remote-interactions.ts';
import { forwardReply } from '../forward-reply.ts';
import { parseStatusObject } from '../inbound-status.ts';
import { remoteMediaOf } from '../remote-media.ts';
import { followUpRemoteStatus, newRequestId } from '../status-follow-ups.ts';
import { rawObjectOf, remoteStatusInput, statusByUri } from '../status-references.ts';
import { embeddedObject, senderOf, type InboundContext } from './parties.ts';

/** A Note named after an option of a local poll, in reply to it, is a vote (Activity::Create#poll_vote?). */
async function receivedVote(fctx: InboundContext, sender: AccountRow, object: APObject): Promise<boolean> {
  const name = object.name?.toString().trim();
  if (!(object instanceof Note) || !name || !object.replyTargetId) return false;
  const poll = await statusByUri(fctx.data, object.replyTargetId.href);
  if (!poll) return false;
  return (await voteByRemote(fctx.data, sender, poll, name)) !== 'not-a-vote';
}

/**
 * Create of a status (Mastodon's ActivityPub::Activity::Create): the object must be embedded (one
 * named by URI only is not fetched, as in Mastodon), live on the sender's host and be attributed to
 * the sender; it is then read, its references resolved, and stored by the same rules as every
 * remote status, with its attachments as references. A new status then has its unknown parent and
 * its listed replies fetched in `pull`, and, when it is a public or unlisted reply to a member's
 * status, is forwarded to that member's followers (Create#forward_for_reply). A vote in a local
 * poll is counted instead.
 */
export async function onCreate(fctx: InboundContext, create: Create): Promise<void> {
  const object = await embeddedObject(create);
  if (!object) return;
  const sender = await senderOf(fctx, create);
  if (!sender) return;
  const actorId = new URL(sender.uri);
  if (object.id?.host === actorId.host && (await receivedVote(fctx, sender, object))) return;
  const parsed = await parseStatusObject(object, {
    actorId,
    followersId: sender.followersUrl ? new URL(sender.followersUrl) : null,
    raw: await rawObjectOf(create),
    activity: { to: create.toIds, cc: create.ccIds },
  });
  if (!parsed.ok) {
    fctx.data.log.info({ activity: create.id?.href, reason: parsed.reason }, 'refused a remote status');
    return;
  }
  const input = await remoteStatusInput(fctx.data, parsed.status, fctx.recipient);
  const created = await createRemoteStatus(fctx.data, sender, { ...input, ...(await remoteMediaOf(fctx.data, sender, parsed.status.attachments)) });
  if (!created?.created) return;
  await followUpRemoteStatus(fctx.data, created.status, parsed.status, sender.uri, newRequestId(parsed.status.uri));
  await forwardReply(fctx, sender, created.status, input.parent);
}
