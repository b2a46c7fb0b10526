import { eq } from 'drizzle-orm';
import { accounts } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { StatusRow } from '../services/post-status.ts';
import type { InboundContext } from './inbox/parties.ts';
import { accountIdentifier } from './paths.ts';

const DISTRIBUTABLE = new Set(['public', 'unlisted']);

/**
 * Create#forward_for_reply: a remote public or unlisted reply to a member's status goes on, as it
 * came (its Linked Data signature or integrity proof intact, only the HTTP signature the member's),
 * to the member's followers' servers, one delivery per shared inbox, except the server it came
 * from; so their followers see the conversation. An activity without such a signature, which they
 * could not trust, is not forwarded.
 */
export async function forwardReply(fctx: InboundContext, sender: AccountRow, reply: StatusRow, parent: StatusRow | undefined): Promise<void> {
  if (!parent || !DISTRIBUTABLE.has(reply.visibility) || parent.local !== true) return;
  const [author] = await fctx.data.db.select({ username: accounts.username, domain: accounts.domain }).from(accounts).where(eq(accounts.id, parent.accountId)).limit(1);
  if (!author || author.domain !== null) return;
  try {
    await fctx.forwardActivity({ identifier: accountIdentifier(author.username) }, 'followers', {
      skipIfUnsigned: true,
      preferSharedInbox: true,
      excludeBaseUris: [new URL(sender.uri), ...(sender.sharedInboxUrl ? [new URL(sender.sharedInboxUrl)] : []), ...(sender.inboxUrl ? [new URL(sender.inboxUrl)] : [])],
    });
  } catch (error) {
    // the reply is stored; a forwarding that could not be queued is not worth failing it
    fctx.data.log.warn({ err: error, statusId: reply.id }, 'could not forward a reply to the followers of its parent’s author');
  }
}
