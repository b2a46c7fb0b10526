import { PUBLIC_COLLECTION, type Recipient } from '@fedify/vocab';
import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { accounts, followRequests, follows } from '../db/schema.ts';
import { deleteLocalAccount } from '../services/accounts/delete-account.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { recipientOf } from './deliver-move.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';
import { MastodonDelete } from './vocab.ts';

/**
 * Where a local account's `Delete` of itself goes (Mastodon's DeleteAccountService#delivery_inboxes
 * and #low_priority_delivery_inboxes): the servers of its followers and of those it follows (or
 * asked to, or was asked by) first, then every other server this instance knows an account on,
 * one recipient per inbox.
 */
async function deletionRecipients(ctx: AppContext, accountId: string): Promise<Recipient[]> {
  // one account per inbox (its server's shared inbox, or its own), preferring one related to the deleted account
  const rows = await queryRows<{ uri: string; inbox_url: string; shared_inbox_url: string | null; related: boolean }>(
    ctx.db,
    sql`SELECT DISTINCT ON (coalesce(a.shared_inbox_url, a.inbox_url)) a.uri, a.inbox_url, a.shared_inbox_url,
               a.id IN (SELECT account_id FROM ${follows} WHERE target_account_id = ${accountId}
                        UNION SELECT target_account_id FROM ${follows} WHERE account_id = ${accountId}
                        UNION SELECT account_id FROM ${followRequests} WHERE target_account_id = ${accountId}
                        UNION SELECT target_account_id FROM ${followRequests} WHERE account_id = ${accountId}) AS related
          FROM accounts a
         WHERE a.domain IS NOT NULL AND a.inbox_url IS NOT NULL AND a.suspended_at IS NULL
         ORDER BY coalesce(a.shared_inbox_url, a.inbox_url), related DESC`,
  );
  // the servers of its followers and followed accounts first (Mastodon's delivery_inboxes), then the rest
  rows.sort((a, b) => Number(b.related) - Number(a.related));
  return rows.map((row) => recipientOf({ uri: row.uri, inboxUrl: row.inbox_url, sharedInboxUrl: row.shared_inbox_url }));
}

/**
 * Tells other servers that a local account is deleted (DeleteAccountService#delete_actor!, with
 * ActivityPub::DeleteActorSerializer): a signed `Delete` of the actor, addressed to the public,
 * to every server that may know it. It must run before the account's rows (and keys) go: the
 * deliveries are queued with the key they are signed with.
 */
export async function deliverAccountDeletion(ctx: AppContext, account: AccountRow): Promise<void> {
  if (account.domain !== null) return;
  const recipients = await deletionRecipients(ctx, account.id);
  if (recipients.length === 0) return;
  await withFederation(ctx, async (fctx) => {
    const deletion = new MastodonDelete({
      id: new URL(`${account.uri}#delete`),
      actor: new URL(account.uri),
      tos: [PUBLIC_COLLECTION],
      object: new URL(account.uri),
    });
    await fctx.sendActivity({ identifier: accountIdentifier(account) }, recipients, deletion, { preferSharedInbox: true });
  });
}

/**
 * Deletes a local account (src/services/accounts/delete-account.ts) once its `Delete` is queued, while its
 * key still exists to sign it; a failure to queue that does not stop the deletion.
 */
export async function deleteLocalAccountAndAnnounce(ctx: AppContext, accountId: string): Promise<void> {
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, accountId));
  if (account && account.domain === null) {
    await deliverAccountDeletion(ctx, account).catch((error: unknown) => ctx.log.warn({ err: error, accountId }, 'could not queue the Delete of a deleted account'));
  }
  await deleteLocalAccount(ctx, accountId);
}
