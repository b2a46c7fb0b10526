import { Note, type Create, type Object as APObject } from '@fedify/vocab';
import { createRemoteStatus } from '../../services/create-remote-status.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { voteByRemote } from '../../services/remote-interactions.ts';
import { parseStatusObject } from '../inbound-status.ts';
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
 * remote status. A vote in a local poll is counted instead.
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
  await createRemoteStatus(fctx.data, sender, await remoteStatusInput(fctx.data, parsed.status, fctx.recipient));
}
