import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';

/**
 * A sign-in waiting for its second factor (Mastodon keeps `attempt_user_id` in the session): the
 * password was right, the code or security key is still to come. Kept in the cache under a random
 * token the browser holds in a signed cookie, for ten minutes; it stops working when the password
 * or the two-factor settings change meanwhile (Mastodon compares `updated_at`).
 */
const ATTEMPT_SECONDS = 600;
/** Mastodon's MAX_2FA_ATTEMPTS_PER_HOUR: codes or keys tried for one member in an hour. */
export const MAX_SECOND_FACTOR_ATTEMPTS_PER_HOUR = 10;

interface StoredAttempt {
  userId: string;
  fingerprint: string;
  returnTo: string;
}

type FingerprintedUser = { encryptedPassword: string; otpSecret: string | null; otpRequiredForLogin: boolean };
const fingerprint = (user: FingerprintedUser) => digest(`${user.encryptedPassword}\n${user.otpSecret ?? ''}\n${user.otpRequiredForLogin}`);
const key = (token: string) => `sign_in_attempt:${digest(token)}`;

/** Starts a sign-in awaiting its second factor; the answered token goes in the browser's cookie. */
export async function startSignInAttempt(ctx: AppContext, user: FingerprintedUser & { id: string }, returnTo: string): Promise<string> {
  const token = randomToken();
  const stored: StoredAttempt = { userId: user.id, fingerprint: fingerprint(user), returnTo };
  await ctx.cache.set(key(token), JSON.stringify(stored), ATTEMPT_SECONDS);
  return token;
}

/** The attempt's member and where to go afterwards; undefined when it expired or the member's credentials changed since. */
export async function findSignInAttempt(ctx: AppContext, token: string) {
  const raw = await ctx.cache.get(key(token));
  if (!raw) return undefined;
  const stored = JSON.parse(raw) as StoredAttempt;
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.id, stored.userId));
  if (!row?.user.otpRequiredForLogin || fingerprint(row.user) !== stored.fingerprint) return undefined;
  return { ...row, returnTo: stored.returnTo };
}

export async function endSignInAttempt(ctx: AppContext, token: string): Promise<void> {
  await ctx.cache.del(key(token));
}

/** Counts one more second-factor try for the member; true when they made too many this hour. */
export async function secondFactorAttemptsExceeded(ctx: AppContext, userId: string): Promise<boolean> {
  const hour = Math.floor(Date.now() / 3_600_000);
  return (await ctx.cache.incr(`2fa_auth_attempts:${userId}:${hour}`, 3600)) > MAX_SECOND_FACTOR_ATTEMPTS_PER_HOUR;
}
