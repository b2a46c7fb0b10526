import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountPins, follows } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';

/** `POST /api/v1/accounts/:id/endorse`: features a followed account on the member's profile. */
export async function endorseAccount(ctx: AppContext, accountId: string, targetId: string) {
  const [following] = await ctx.db
    .select({ id: follows.id })
    .from(follows)
    .where(and(eq(follows.accountId, accountId), eq(follows.targetAccountId, targetId)))
    .limit(1);
  if (!following) throw validationFailed(['You must be already following the person you want to endorse']);
  await ctx.db.insert(accountPins).values({ accountId, targetAccountId: targetId }).onConflictDoNothing();
}

export async function unendorseAccount(ctx: AppContext, accountId: string, targetId: string) {
  await ctx.db.delete(accountPins).where(and(eq(accountPins.accountId, accountId), eq(accountPins.targetAccountId, targetId)));
}
