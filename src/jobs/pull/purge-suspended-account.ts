import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts } from '../../db/schema.ts';
import { deleteLocalAccountAndAnnounce } from '../../federation/deliver-account-deletion.ts';
import { purgeRemoteAccountContent } from '../../services/moderation/purge-suspended-content.ts';

/**
 * Admin::AccountDeletionWorker, run 30 days after a suspension that was not lifted: a local
 * member's account is deleted and other servers get its `Delete`; a remote account keeps its
 * (suspended) record, its statuses and media deleted.
 */
export async function purgeSuspendedAccount(ctx: AppContext, data: { accountId: string }): Promise<void> {
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, data.accountId));
  if (!account?.suspendedAt) return;
  if (account.domain === null) await deleteLocalAccountAndAnnounce(ctx, account.id);
  else await purgeRemoteAccountContent(ctx, account.id);
}
