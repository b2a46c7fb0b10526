import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { digest } from '../../lib/crypto.ts';
import { prepareNewUser } from './new-user.ts';

/** `GET /auth/confirmation`: confirms the e-mail address a token was sent to; false for an unknown or used token. */
export async function confirmEmail(ctx: AppContext, token: string): Promise<boolean> {
  const confirmed = await ctx.db
    .update(users)
    .set({ confirmedAt: new Date(), confirmationTokenDigest: null })
    .where(and(eq(users.confirmationTokenDigest, digest(token)), isNull(users.confirmedAt)))
    .returning({ id: users.id });
  for (const { id } of confirmed) await prepareNewUser(ctx, id);
  return confirmed.length > 0;
}
