import type { Delete } from '@fedify/vocab';
import { deleteRemoteAccountData, findAccountByUri } from '../../services/activitypub/remote-accounts.ts';
import type { InboundContext } from './parties.ts';

/**
 * Delete of the sender's own actor (Mastodon's ActivityPub::Activity::Delete#delete_person; Fedify
 * checked that the sender signed it): a known account is suspended and its follows and
 * notifications go; an unknown one is not fetched. Returns false when the Delete is about
 * something else (a status), for another handler to take.
 */
export async function onActorDelete(fctx: InboundContext, deletion: Delete): Promise<boolean> {
  const actorId = deletion.actorId;
  if (!actorId || deletion.objectId?.href !== actorId.href) return false;
  const account = await findAccountByUri(fctx.data, actorId.href);
  if (account && account.domain !== null) await deleteRemoteAccountData(fctx.data, account);
  return true;
}
