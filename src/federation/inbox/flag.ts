import type { Flag } from '@fedify/vocab';
import { rejectsReportsFrom } from '../../services/moderation/instance-domain-blocks.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { receiveFlag } from '../../services/moderation/report-account.ts';
import { statusByUri } from '../status-references.ts';
import { localAccountOfUri, senderOf, type InboundContext } from './parties.ts';

/** How many objects of one Flag are looked at. */
const MAX_OBJECTS = 100;

/**
 * Flag (Mastodon's ActivityPub::Activity::Flag): a report from another server, made by the actor
 * that sent it (Mastodon sends its instance actor), of the local accounts it names, with the
 * named local statuses of each; dropped when reports from the sender's domain are refused. The
 * report keeps the Flag's id when it is on the sender's host.
 */
export async function onFlag(fctx: InboundContext, flag: Flag): Promise<void> {
  const sender = await senderOf(fctx, flag);
  if (!sender || (await rejectsReportsFrom(fctx.data, sender.domain))) return;
  const targets = new Map<string, AccountRow>();
  const statusIds: string[] = [];
  for (const uri of flag.objectIds.slice(0, MAX_OBJECTS)) {
    const account = await localAccountOfUri(fctx.data, uri);
    if (account) {
      targets.set(account.id, account);
      continue;
    }
    const status = await statusByUri(fctx.data, uri.href);
    if (status?.local) statusIds.push(status.id);
  }
  if (targets.size === 0) return;
  const content = flag.content;
  const uri = flag.id && flag.id.host === new URL(sender.uri).host ? flag.id.href : null;
  await receiveFlag(fctx.data, sender, { uri, comment: typeof content === 'string' ? content : (content?.toString() ?? ''), targets: [...targets.values()], statusIds });
}
