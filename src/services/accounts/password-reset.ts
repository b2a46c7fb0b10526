import { and, eq, gt, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { sessionActivations, users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { validationFailed } from '../../lib/errors.ts';
import { PasswordResetMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { revokeTokensOfUser } from '../oauth/tokens.ts';
import { passwordProblem } from './create-account.ts';
import { hashPassword } from './passwords.ts';

/** How long a reset link works (Mastodon's `config.reset_password_within`). */
export const RESET_PASSWORD_WITHIN_MS = 6 * 3600 * 1000;

const stillValid = () => gt(users.resetPasswordSentAt, new Date(Date.now() - RESET_PASSWORD_WITHIN_MS));

/**
 * `POST /auth/password`: mails a reset link to the member with this address. An unknown address
 * gets no mail and the same answer, so the form tells nobody who has an account here.
 */
export async function requestPasswordReset(ctx: AppContext, email: string): Promise<void> {
  const token = randomToken();
  const [user] = await ctx.db
    .update(users)
    .set({ resetPasswordTokenDigest: digest(token), resetPasswordSentAt: new Date() })
    .where(sql`lower(${users.email}) = lower(${email.trim()})`)
    .returning({ id: users.id });
  if (user) await enqueue(ctx, PasswordResetMail, { userId: user.id, token });
}

/** Whether a reset link still works: known, unused and not expired. */
export async function resetTokenValid(ctx: AppContext, token: string): Promise<boolean> {
  if (!token) return false;
  const [row] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.resetPasswordTokenDigest, digest(token)), stillValid()))
    .limit(1);
  return !!row;
}

/**
 * `PUT /auth/password`: sets the new password once per link, then signs the member out everywhere
 * (browser sessions and apps' tokens), as Mastodon's Auth::PasswordsController does.
 * False when the link is unknown, used or expired; a validation error for an unacceptable password.
 */
export async function resetPassword(ctx: AppContext, token: string, password: string, confirmation: string): Promise<boolean> {
  const problem = passwordProblem(password);
  if (problem) throw validationFailed([`Password ${problem.description}`], { password: [problem] });
  if (confirmation !== password) {
    throw validationFailed(["Password confirmation doesn't match Password"], { password_confirmation: [{ error: 'ERR_CONFIRMATION', description: "doesn't match Password" }] });
  }
  if (!token) return false;
  const encryptedPassword = await hashPassword(password);
  const [user] = await ctx.db
    .update(users)
    .set({ encryptedPassword, resetPasswordTokenDigest: null, resetPasswordSentAt: null })
    .where(and(eq(users.resetPasswordTokenDigest, digest(token)), stillValid()))
    .returning({ id: users.id });
  if (!user) return false;
  await ctx.db.delete(sessionActivations).where(eq(sessionActivations.userId, user.id));
  await revokeTokensOfUser(ctx, user.id);
  return true;
}
