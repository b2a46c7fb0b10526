import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import { purgeAccountMedia } from '../moderation/purge-media.ts';
import { keysOf, removeStoredFiles } from '../media/stored-files.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

/**
 * Deletes a local account and its user (Mastodon's DeleteAccountService, the local part: other
 * servers are told first by src/federation/deliver-account-deletion.ts's
 * deleteLocalAccountAndAnnounce, which calls this once the `Delete` is queued). The foreign keys cascade to
 * everything hanging off the account: tokens, grants, browser sessions, owned OAuth
 * applications, follows, blocks and mutes. Its uploads, avatar and header are removed from storage
 * once the rows are gone.
 */
export async function deleteLocalAccount(ctx: AppContext, accountId: string): Promise<void> {
  const files = await ctx.db.transaction(async (tx) => {
    const media = await purgeAccountMedia(tx, accountId, { keepReported: false });
    await tx.delete(users).where(eq(users.accountId, accountId));
    const profile = await tx
      .delete(accounts)
      .where(eq(accounts.id, accountId))
      .returning({ a: accounts.avatarFileKey, b: accounts.avatarStaticFileKey, c: accounts.headerFileKey, d: accounts.headerStaticFileKey });
    return [...media, ...keysOf(profile)];
  });
  await forgetAccounts(ctx, [accountId]);
  await removeStoredFiles(ctx, files, { reason: 'account deleted' });
}
