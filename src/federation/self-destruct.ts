import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts } from '../db/schema.ts';
import { deliverAccountDeletion } from './deliver-account-deletion.ts';

/*
 * tootctl self-destruct: the instance takes itself off the fediverse. Each local account's Delete
 * goes to every server this instance knows (deliverAccountDeletion), and the account is suspended
 * rather than deleted, so that its key still signs the deliveries queued (and retried) after it.
 * Walked in id order over the accounts not yet suspended: a second run finishes an interrupted one.
 */

const remaining = and(isNull(accounts.domain), isNull(accounts.suspendedAt));

export async function countAccountsToDestroy(ctx: AppContext): Promise<number> {
  const [row] = await ctx.db.select({ count: sql<number>`count(*)::int` }).from(accounts).where(remaining);
  return row!.count;
}

export function accountsToDestroyAfter(ctx: AppContext, afterId: string | undefined, limit: number) {
  return ctx.db
    .select()
    .from(accounts)
    .where(and(remaining, afterId ? gt(accounts.id, afterId) : undefined))
    .orderBy(asc(accounts.id))
    .limit(limit);
}

/** Queues the account's Delete to every known server, then suspends it. */
export async function destroyLocalAccount(ctx: AppContext, account: typeof accounts.$inferSelect): Promise<void> {
  await deliverAccountDeletion(ctx, account);
  await ctx.db
    .update(accounts)
    .set({ suspendedAt: new Date(), suspensionOrigin: 'local', updatedAt: new Date() })
    .where(and(eq(accounts.id, account.id), isNull(accounts.suspendedAt)));
}
