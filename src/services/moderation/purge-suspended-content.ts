import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountDeletionRequests, statuses } from '../../db/schema.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';
import { purgeRemoteAccountMedia } from './purge-media.ts';

/** A suspended remote account's statuses and stored media are deleted; its record stays, suspended. */
export async function purgeRemoteAccountContent(ctx: AppContext, accountId: string): Promise<void> {
  await purgeRemoteAccountMedia(ctx, accountId);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(statuses).where(eq(statuses.accountId, accountId));
    await tx.delete(accountDeletionRequests).where(eq(accountDeletionRequests.accountId, accountId));
  });
  await forgetAllRenderings(ctx);
}
