import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';

/**
 * Approves a sign-up that waited for review (registrations in `approved` mode). Returns false
 * when the user was already approved.
 */
export async function approveUser(ctx: AppContext, userId: string): Promise<boolean> {
  const changed = await ctx.db
    .update(users)
    .set({ approved: true, updatedAt: new Date() })
    .where(and(eq(users.id, userId), eq(users.approved, false)))
    .returning({ accountId: users.accountId });
  for (const { accountId } of changed) await triggerWebhook(ctx, 'account.approved', accountId);
  return changed.length > 0;
}

/** Approves every pending sign-up; returns how many there were. */
export async function approveAllPending(ctx: AppContext): Promise<number> {
  const changed = await ctx.db.update(users).set({ approved: true, updatedAt: new Date() }).where(eq(users.approved, false)).returning({ accountId: users.accountId });
  for (const { accountId } of changed) await triggerWebhook(ctx, 'account.approved', accountId);
  return changed.length;
}
