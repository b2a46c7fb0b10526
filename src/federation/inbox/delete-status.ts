import type { Delete } from '@fedify/vocab';
import { deleteRemoteStatus } from '../../services/activitypub/delete-remote-status.ts';
import { findAccountByUri } from '../../services/activitypub/remote-accounts.ts';
import type { InboundContext } from './parties.ts';

/**
 * Delete of one of the sender's statuses or boosts (Mastodon's ActivityPub::Activity::Delete#delete_note),
 * named by URI or as a Tombstone. The sender must be known already: a Delete never makes this
 * instance store or fetch an account.
 */
export async function onStatusDelete(fctx: InboundContext, deletion: Delete): Promise<boolean> {
  const actorId = deletion.actorId;
  const uri = deletion.objectId;
  if (!actorId || !uri) return true;
  const sender = await findAccountByUri(fctx.data, actorId.href);
  if (!sender || sender.domain === null) return true;
  await deleteRemoteStatus(fctx.data, sender, uri.href);
  return true;
}
