import { and, eq, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { ConfirmationMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { mailStaffAboutPendingAccount } from '../notifications/staff-notifications.ts';
import { emailTaken } from './modify-user.ts';
import { prepareNewUser } from './new-user.ts';

/**
 * `GET /auth/confirmation`: confirms the address a token was sent to: the sign-up address, or a new
 * one waiting in `unconfirmed_email` (Devise's reconfirmable), which then replaces the old one.
 * Undefined for an unknown or used token (or a new address someone else took meanwhile); else
 * whether the member may sign in now or still awaits staff approval.
 */
export async function confirmEmail(ctx: AppContext, token: string): Promise<{ approved: boolean } | undefined> {
  const [user] = await ctx.db
    .select()
    .from(users)
    .where(and(eq(users.confirmationTokenDigest, digest(token)), or(isNull(users.confirmedAt), isNotNull(users.unconfirmedEmail))))
    .limit(1);
  if (!user) return undefined;
  const newEmail = user.unconfirmedEmail;
  if (newEmail && (await emailTaken(ctx, newEmail, user.id))) return undefined;
  const [confirmed] = await ctx.db
    .update(users)
    .set({
      confirmedAt: user.confirmedAt ?? new Date(),
      confirmationTokenDigest: null,
      ...(newEmail ? { email: newEmail, unconfirmedEmail: null, resetPasswordTokenDigest: null, resetPasswordSentAt: null } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(users.id, user.id), eq(users.confirmationTokenDigest, digest(token))))
    .returning({ id: users.id, approved: users.approved });
  if (!confirmed) return undefined;
  if (!user.confirmedAt) {
    // User#confirm: a new member is set up, or staff are told one awaits their review
    if (confirmed.approved) await prepareNewUser(ctx, confirmed.id);
    else await mailStaffAboutPendingAccount(ctx, confirmed.id);
  }
  return { approved: confirmed.approved };
}

/** A fresh confirmation link for a member's pending address (the sign-up one, or a new one), replacing the old link. */
export async function sendConfirmationLink(ctx: AppContext, userId: string): Promise<void> {
  const token = randomToken();
  await ctx.db
    .update(users)
    .set({ confirmationTokenDigest: digest(token), confirmationSentAt: new Date() })
    .where(eq(users.id, userId));
  await enqueue(ctx, ConfirmationMail, { userId, token });
}

/**
 * `POST /auth/confirmation` (Devise's resend): a fresh link to an unconfirmed address, or to a new
 * address waiting for confirmation. Says nothing about whether the address is known (Devise's
 * paranoid mode, which Mastodon uses).
 */
export async function resendConfirmation(ctx: AppContext, email: string): Promise<void> {
  const address = email.trim();
  const [user] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(or(and(sql`lower(${users.email}) = lower(${address})`, isNull(users.confirmedAt)), sql`lower(${users.unconfirmedEmail}) = lower(${address})`))
    .limit(1);
  if (user) await sendConfirmationLink(ctx, user.id);
}
