import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { ConfirmationMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { prepareNewUser } from './new-user.ts';

/**
 * `GET /auth/confirmation`: confirms the e-mail address a token was sent to; undefined for an
 * unknown or used token, else whether the member may sign in now or still awaits staff approval.
 */
export async function confirmEmail(ctx: AppContext, token: string): Promise<{ approved: boolean } | undefined> {
  const [confirmed] = await ctx.db
    .update(users)
    .set({ confirmedAt: new Date(), confirmationTokenDigest: null })
    .where(and(eq(users.confirmationTokenDigest, digest(token)), isNull(users.confirmedAt)))
    .returning({ id: users.id, approved: users.approved });
  if (!confirmed) return undefined;
  await prepareNewUser(ctx, confirmed.id);
  return { approved: confirmed.approved };
}

/**
 * `POST /auth/confirmation` (Devise's resend): a fresh link to an unconfirmed address, replacing the
 * old one. Says nothing about whether the address is known (Devise's paranoid mode, which Mastodon uses).
 */
export async function resendConfirmation(ctx: AppContext, email: string): Promise<void> {
  const token = randomToken();
  const [user] = await ctx.db
    .update(users)
    .set({ confirmationTokenDigest: digest(token), confirmationSentAt: new Date() })
    .where(and(sql`lower(${users.email}) = lower(${email.trim()})`, isNull(users.confirmedAt)))
    .returning({ id: users.id });
  if (user) await enqueue(ctx, ConfirmationMail, { userId: user.id, token });
}
