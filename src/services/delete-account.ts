import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, users } from '../db/schema.ts';
import { deliverAccountDeletion } from '../federation/deliver-account-deletion.ts';
import { purgeAccountMedia } from './purge-media.ts';
import { keysOf, removeStoredFiles } from './stored-files.ts';

/**
 * Deletes a local account and its user. Other servers are told first (Mastodon's
 * DeleteAccountService: a signed `Delete` of the actor to the servers of its followers and
 * followed accounts, then to every other known server), while the account's key still exists to
 * sign it; a failure to queue that does not stop the deletion. The foreign keys then cascade to
 * everything hanging off the account: tokens, grants, browser sessions, owned OAuth
 * applications, follows, blocks and mutes. Its uploads, avatar and header are removed from storage
 * once the rows are gone.
 */
export async function deleteLocalAccount(ctx: AppContext, accountId: string): Promise<void> {
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, accountId));
  if (account && account.domain === null) {
    await deliverAccountDeletion(ctx, account).catch((error: unknown) => ctx.log.warn({ err: error, accountId }, 'could not queue the Delete of a deleted account'));
  }
  const files = await ctx.db.transaction(async (tx) => {
    const media = await purgeAccountMedia(tx, accountId, { keepReported: false });
    await tx.delete(users).where(eq(users.accountId, accountId));
    const profile = await tx
      .delete(accounts)
      .where(eq(accounts.id, accountId))
      .returning({ a: accounts.avatarFileKey, b: accounts.avatarStaticFileKey, c: accounts.headerFileKey, d: accounts.headerStaticFileKey });
    return [...media, ...keysOf(profile)];
  });
  await removeStoredFiles(ctx, files, { reason: 'account deleted' });
}
