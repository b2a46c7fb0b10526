import type { Recipient } from '@fedify/vocab';
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { accounts, follows, statuses } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { StatusRow } from '../services/statuses/post-status.ts';
import type { InboundContext } from './inbox/parties.ts';
import { accountIdentifier } from './paths.ts';

const DISTRIBUTABLE = new Set(['public', 'unlisted']);

/** The server an activity came from, which is never sent it back. */
const excludedFor = (sender: AccountRow) => [new URL(sender.uri), ...(sender.sharedInboxUrl ? [new URL(sender.sharedInboxUrl)] : []), ...(sender.inboxUrl ? [new URL(sender.inboxUrl)] : [])];

/**
 * Create#forward_for_reply: a remote public or unlisted reply to a member's status goes on, as it
 * came (its Linked Data signature or integrity proof intact, only the HTTP signature the member's),
 * to the member's followers' servers, one delivery per shared inbox, except the server it came
 * from; so their followers see the conversation. An activity without such a signature, which they
 * could not trust, is not forwarded.
 */
export async function forwardReply(fctx: InboundContext, sender: AccountRow, reply: StatusRow, parent: StatusRow | undefined): Promise<void> {
  if (!parent || !DISTRIBUTABLE.has(reply.visibility) || parent.local !== true) return;
  const [author] = await fctx.data.db
    .select({ id: accounts.id, username: accounts.username, numericApId: accounts.numericApId, domain: accounts.domain })
    .from(accounts)
    .where(eq(accounts.id, parent.accountId))
    .limit(1);
  if (!author || author.domain !== null) return;
  try {
    await fctx.forwardActivity({ identifier: accountIdentifier(author) }, 'followers', {
      skipIfUnsigned: true,
      preferSharedInbox: true,
      excludeBaseUris: excludedFor(sender),
    });
  } catch (error) {
    // the reply is stored; a forwarding that could not be queued is not worth failing it
    fctx.data.log.warn({ err: error, statusId: reply.id }, 'could not forward a reply to the followers of its parent’s author');
  }
}

/**
 * ActivityPub::Forwarder, for an Update that edited a remote public or unlisted status
 * (ProcessStatusUpdateService#forward_activity!): the Update goes on as it came to the followers of
 * the members who boosted the status and, when it replies to a member's status, to that member's
 * followers, one delivery per server, except the server it came from; signed over HTTP by the
 * member it replies to, else the first booster. Only a signed Update is forwarded.
 */
export async function forwardStatusUpdate(fctx: InboundContext, sender: AccountRow, before: StatusRow, after: StatusRow): Promise<void> {
  if (!DISTRIBUTABLE.has(after.visibility) || !after.editedAt) return;
  const previousEdit = (before.editedAt ?? before.createdAt).getTime();
  if (after.editedAt.getTime() <= previousEdit) return;
  const db = fctx.data.db;
  const rebloggers = await db
    .selectDistinct({ id: accounts.id, username: accounts.username, numericApId: accounts.numericApId })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.reblogOfId, after.id), isNull(statuses.deletedAt), isNull(accounts.domain)));
  const [parentAuthor] = after.inReplyToAccountId
    ? await db
        .select({ id: accounts.id, username: accounts.username, numericApId: accounts.numericApId })
        .from(accounts)
        .where(and(eq(accounts.id, after.inReplyToAccountId), isNull(accounts.domain)))
        .limit(1)
    : [];
  const signer = parentAuthor ?? rebloggers[0];
  if (!signer) return;
  const targets = [...new Set([...(parentAuthor ? [parentAuthor.id] : []), ...rebloggers.map((account) => account.id)])];
  const followers = await db
    .selectDistinct({ uri: accounts.uri, inboxUrl: accounts.inboxUrl, sharedInboxUrl: accounts.sharedInboxUrl })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(inArray(follows.targetAccountId, targets), isNotNull(accounts.domain), isNotNull(accounts.inboxUrl), isNull(accounts.suspendedAt)));
  const recipients: Recipient[] = followers.map((account) => ({
    id: new URL(account.uri),
    inboxId: new URL(account.inboxUrl!),
    endpoints: account.sharedInboxUrl ? { sharedInbox: new URL(account.sharedInboxUrl) } : null,
  }));
  if (recipients.length === 0) return;
  try {
    await fctx.forwardActivity({ identifier: accountIdentifier(signer) }, recipients, { skipIfUnsigned: true, preferSharedInbox: true, excludeBaseUris: excludedFor(sender) });
  } catch (error) {
    fctx.data.log.warn({ err: error, statusId: after.id }, 'could not forward the edit of a remote status');
  }
}
