import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { EmailChangedMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { matchEmailDomainBlock } from '../moderation/email-domain-blocks.ts';
import type { UserRow } from '../oauth/authenticate-token.ts';
import { sendConfirmationLink } from './email-confirmation.ts';
import { emailTaken } from './modify-user.ts';
import { verifyPassword } from './passwords.ts';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const fieldError = (field: string, message: string, error: string, description: string) => validationFailed([message], { [field]: [{ error, description }] });

/**
 * A member asks for a new address (Devise's reconfirmable, from `/auth/edit` or an app): it waits
 * in `unconfirmed_email` while a link goes to it, and the address in use is told of the change (a
 * confirmed member's; the sign-up address of one who never confirmed it is not). The web form
 * asks for the current password; the app that signed the member up does not. The address in use
 * again cancels a pending change.
 */
export async function requestEmailChange(ctx: AppContext, user: UserRow, input: { email: string; currentPassword?: string }): Promise<{ pending: boolean }> {
  if (input.currentPassword !== undefined && !(await verifyPassword(input.currentPassword, user.encryptedPassword))) {
    throw fieldError('current_password', 'Current password is invalid', 'ERR_INVALID', 'is invalid');
  }
  const email = input.email.trim();
  if (!email) throw fieldError('email', "E-mail can't be blank", 'ERR_BLANK', "can't be blank");
  if (email.length > 320 || !EMAIL_PATTERN.test(email)) throw fieldError('email', 'E-mail is invalid', 'ERR_INVALID', 'is invalid');
  if (email.toLowerCase() === user.email.toLowerCase()) {
    await ctx.db.update(users).set({ unconfirmedEmail: null, updatedAt: new Date() }).where(eq(users.id, user.id));
    return { pending: false };
  }
  if (await emailTaken(ctx, email, user.id)) throw fieldError('email', 'E-mail is already taken', 'ERR_TAKEN', 'is already taken');
  const block = await matchEmailDomainBlock(ctx, [email.slice(email.lastIndexOf('@') + 1).toLowerCase()], null);
  if (block && !block.allowWithApproval) throw fieldError('email', 'E-mail uses a disallowed e-mail provider', 'ERR_BLOCKED', 'uses a disallowed e-mail provider');
  await ctx.db.update(users).set({ unconfirmedEmail: email, updatedAt: new Date() }).where(eq(users.id, user.id));
  await sendConfirmationLink(ctx, user.id);
  if (user.confirmedAt) await enqueue(ctx, EmailChangedMail, { userId: user.id, oldEmail: user.email, newEmail: email });
  return { pending: true };
}
