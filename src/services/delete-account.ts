import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, users } from '../db/schema.ts';

/**
 * Deletes a local account and its user. The foreign keys cascade to everything hanging off them:
 * tokens, grants, browser sessions, owned OAuth applications, follows, blocks and mutes.
 * (Telling other servers, Mastodon's Delete activity, arrives with federation.)
 */
export async function deleteLocalAccount(ctx: AppContext, accountId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await tx.delete(users).where(eq(users.accountId, accountId));
    await tx.delete(accounts).where(eq(accounts.id, accountId));
  });
}
