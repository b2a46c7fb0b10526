import { and, eq, ne, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { sessionActivations, users, webauthnCredentials } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import type { UserRow } from '../oauth/authenticate-token.ts';
import { hashPassword } from './passwords.ts';
import { channels, publishToStream } from '../../streaming/channels.ts';
import type { RoleName } from './roles.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface UserChanges {
  /** a staff role, or null to make the user a plain member again */
  role?: RoleName | null;
  email?: string;
  /** marks the e-mail address confirmed */
  confirm?: boolean;
  approve?: boolean;
  disabled?: boolean;
  /** a new password; the user's browser sessions end */
  password?: string;
  /** turns two-factor sign-in off (a member who lost their phone and recovery codes): secret, recovery codes and security keys go */
  disableTwoFactor?: boolean;
}

/** Whether another user already has this e-mail address. */
export async function emailTaken(ctx: AppContext, email: string, exceptUserId?: string): Promise<boolean> {
  const sameEmail = sql`lower(${users.email}) = lower(${email})`;
  const [row] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(exceptUserId ? and(sameEmail, ne(users.id, exceptUserId)) : sameEmail)
    .limit(1);
  return !!row;
}

/** An admin's changes to a local user (`subspace accounts modify`, Mastodon's `tootctl accounts modify`). */
export async function modifyUser(ctx: AppContext, user: UserRow, changes: UserChanges): Promise<void> {
  const set: Partial<typeof users.$inferInsert> = {};
  if (changes.email !== undefined) {
    const email = changes.email.trim();
    if (!email || email.length > 320 || !EMAIL_PATTERN.test(email)) throw validationFailed(['E-mail is invalid']);
    if (await emailTaken(ctx, email, user.id)) throw validationFailed(['E-mail is already taken']);
    set.email = email;
  }
  if (changes.role !== undefined) set.role = changes.role;
  if (changes.confirm && !user.confirmedAt) {
    set.confirmedAt = new Date();
    set.confirmationTokenDigest = null;
  }
  if (changes.approve) set.approved = true;
  if (changes.disabled !== undefined) set.disabled = changes.disabled;
  if (changes.password !== undefined) {
    if (changes.password.length < 8 || changes.password.length > 72) throw validationFailed(['Password must be 8 to 72 characters long']);
    set.encryptedPassword = await hashPassword(changes.password);
  }
  if (changes.disableTwoFactor) Object.assign(set, { otpRequiredForLogin: false, otpSecret: null, consumedTimestep: null, otpBackupCodes: null });
  if (Object.keys(set).length === 0) return;
  // as Devise: a reset link mailed before a new address or password no longer works
  if (set.email !== undefined || set.encryptedPassword !== undefined) Object.assign(set, { resetPasswordTokenDigest: null, resetPasswordSentAt: null });
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(users.id, user.id));
    // a new password signs the user out of every browser
    if (changes.password !== undefined) await tx.delete(sessionActivations).where(eq(sessionActivations.userId, user.id));
    if (changes.disableTwoFactor) await tx.delete(webauthnCredentials).where(eq(webauthnCredentials.userId, user.id));
  });
  if (changes.role !== undefined) await forgetAccounts(ctx, [user.accountId]);
  // a disabled login's streams close at once (Mastodon's `kill` on the system channel)
  if (changes.disabled === true) await publishToStream(ctx, channels.system(user.accountId), 'kill');
}
