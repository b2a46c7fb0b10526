import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { prepareNewUser } from './new-user.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';

/** What approving starts (User#approve!): the account.approved webhooks, and a confirmed member's first steps. */
async function afterApproval(ctx: AppContext, approved: { id: string; accountId: string }[]): Promise<void> {
  for (const { id, accountId } of approved) {
    await triggerWebhook(ctx, 'account.approved', accountId);
    await prepareNewUser(ctx, id);
  }
}

/**
 * Approves a sign-up that waited for review (registrations in `approved` mode). Returns false
 * when the user was already approved.
 */
export async function approveUser(ctx: AppContext, userId: string): Promise<boolean> {
  const changed = await ctx.db
    .update(users)
    .set({ approved: true, updatedAt: new Date() })
    .where(and(eq(users.id, userId), eq(users.approved, false)))
    .returning({ id: users.id, accountId: users.accountId });
  await afterApproval(ctx, changed);
  return changed.length > 0;
}

/** Approves every pending sign-up; returns how many there were. */
export async function approveAllPending(ctx: AppContext): Promise<number> {
  const changed = await ctx.db.update(users).set({ approved: true, updatedAt: new Date() }).where(eq(users.approved, false)).returning({ id: users.id, accountId: users.accountId });
  await afterApproval(ctx, changed);
  return changed.length;
}
