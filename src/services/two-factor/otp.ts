import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { users, webauthnCredentials } from '../../db/schema.ts';
import { TwoFactorMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';

/** Mastodon's `otp_number_of_backup_codes`. */
export const RECOVERY_CODE_COUNT = 10;
/** A code from the step before or after the current one is accepted too (devise-two-factor's `otp_allowed_drift`). */
const DRIFT_SECONDS = 30;
/** Devise's stretches for the recovery codes' bcrypt hashes. */
const BCRYPT_COST = 10;
/**
 * Under NODE_ENV=test, bcrypt's least cost, as Mastodon's Devise has `config.stretches =
 * Rails.env.test? ? 1 : 10`: ten hashes at cost 10 take a second of CPU in bcryptjs, and the tests
 * turn two-factor sign-in on dozens of times.
 */
const bcryptCost = (ctx: AppContext) => (ctx.config.env === 'test' ? 4 : BCRYPT_COST);

/** The library is loaded on first use: most processes never see a code. */
const otplib = () => import('otplib');

/** A new TOTP secret: 20 random bytes, 32 base32 characters (Mastodon's `generate_otp_secret(32)`). */
export async function newOtpSecret(): Promise<string> {
  return (await otplib()).generateSecret({ length: 20 });
}

/** The `otpauth://` address an authenticator app reads from the QR code, labelled with the instance's domain as issuer. */
export async function provisioningUri(ctx: AppContext, email: string, secret: string): Promise<string> {
  return (await otplib()).generateURI({ issuer: ctx.config.localDomain.replace(/:\d+$/, ''), label: email, secret });
}

/** The time step `code` belongs to for `secret`, or null when it is not a current code (or one already used, at or before `after`). */
export async function totpTimeStep(secret: string, code: string, after: number | null): Promise<number | null> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  try {
    const result = await (await otplib()).verify({ secret, token, epochTolerance: DRIFT_SECONDS, ...(after === null ? {} : { afterTimeStep: after }) });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    return null;
  }
}

interface OtpUser {
  id: string;
  otpSecret: string | null;
  consumedTimestep: number | null;
  otpBackupCodes: string[] | null;
}

/**
 * Checks a code from the member's authenticator app and uses it up (devise-two-factor's
 * `validate_and_consume_otp!`): a code's time step is recorded, so the same code (or an older one)
 * never works twice, even when two requests race.
 */
export async function consumeOtp(ctx: AppContext, user: OtpUser, code: string): Promise<boolean> {
  if (!user.otpSecret) return false;
  const step = await totpTimeStep(user.otpSecret, code, user.consumedTimestep);
  if (step === null) return false;
  const updated = await ctx.db
    .update(users)
    .set({ consumedTimestep: step })
    .where(and(eq(users.id, user.id), or(isNull(users.consumedTimestep), lt(users.consumedTimestep, step))))
    .returning({ id: users.id });
  return updated.length > 0;
}

/** Uses up one of the member's recovery codes (`invalidate_otp_backup_code!`): true when it was one of them, which then works no more. */
export async function consumeRecoveryCode(ctx: AppContext, user: OtpUser, code: string): Promise<boolean> {
  const typed = code.trim();
  // an app's six digits are never a recovery code: no hash need be tried (bcrypt is slow on purpose)
  if (!/^[0-9a-z]{8,32}$/i.test(typed) || !user.otpBackupCodes?.length) return false;
  for (const hash of user.otpBackupCodes) {
    if (!(await bcrypt.compare(typed, hash))) continue;
    // removed only if still there: a code raced by two requests works for one of them
    const updated = await ctx.db
      .update(users)
      .set({ otpBackupCodes: sql`array_remove(${users.otpBackupCodes}, ${hash})` })
      .where(and(eq(users.id, user.id), sql`${hash} = ANY(${users.otpBackupCodes})`))
      .returning({ id: users.id });
    return updated.length > 0;
  }
  return false;
}

/** A code from the authenticator app, or else a recovery code (Mastodon's `valid_otp_attempt?`). */
export async function consumeSecondFactorCode(ctx: AppContext, user: OtpUser, code: string): Promise<boolean> {
  return (await consumeOtp(ctx, user, code)) || (await consumeRecoveryCode(ctx, user, code));
}

/** New recovery codes (16 hex characters each, as devise-two-factor makes them), replacing the old ones; answered in clear, to be shown once. */
async function storeNewRecoveryCodes(ctx: AppContext, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomBytes(8).toString('hex'));
  const hashes = await Promise.all(codes.map((code) => bcrypt.hash(code, bcryptCost(ctx))));
  await ctx.db.update(users).set({ otpBackupCodes: hashes, updatedAt: new Date() }).where(eq(users.id, userId));
  return codes;
}

/** The member asked for new recovery codes: the old ones stop working, and the member is told by e-mail. */
export async function regenerateRecoveryCodes(ctx: AppContext, userId: string): Promise<string[]> {
  const codes = await storeNewRecoveryCodes(ctx, userId);
  await enqueue(ctx, TwoFactorMail, { userId, event: 'two_factor_recovery_codes_changed' });
  return codes;
}

/**
 * Turns two-factor sign-in on with `secret` once the member typed a current code from it; answers
 * the recovery codes, or null when the code was wrong.
 */
export async function enableOtp(ctx: AppContext, userId: string, secret: string, code: string): Promise<string[] | null> {
  const step = await totpTimeStep(secret, code, null);
  if (step === null) return null;
  await ctx.db.update(users).set({ otpRequiredForLogin: true, otpSecret: secret, consumedTimestep: step, updatedAt: new Date() }).where(eq(users.id, userId));
  const codes = await storeNewRecoveryCodes(ctx, userId);
  await enqueue(ctx, TwoFactorMail, { userId, event: 'two_factor_enabled' });
  return codes;
}

/** Turns two-factor sign-in off (`disable_two_factor!`): the secret, the recovery codes and the security keys go; the member is told by e-mail. */
export async function disableTwoFactor(ctx: AppContext, userId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await tx.update(users).set({ otpRequiredForLogin: false, otpSecret: null, consumedTimestep: null, otpBackupCodes: null, updatedAt: new Date() }).where(eq(users.id, userId));
    await tx.delete(webauthnCredentials).where(eq(webauthnCredentials.userId, userId));
  });
  await enqueue(ctx, TwoFactorMail, { userId, event: 'two_factor_disabled' });
}
