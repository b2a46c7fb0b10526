import { desc, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { loginActivities } from '../../db/schema.ts';

/** How a sign-in was made (Mastodon's LoginActivity `authentication_method`). */
export type AuthenticationMethod = 'password' | 'otp' | 'webauthn';

/** Why a sign-in failed (Mastodon's `failure_reason`). */
export type FailureReason = 'invalid' | 'invalid_otp_token' | 'invalid_credential' | 'second_factor_attempts_rate_limit_reached';

export interface LoginAttempt {
  userId: string;
  method: AuthenticationMethod;
  ip: string;
  userAgent: string;
}

/** Records a sign-in, or a failed try, in the member's history. */
export async function recordLoginActivity(ctx: AppContext, attempt: LoginAttempt, outcome: { success: true } | { success: false; reason: FailureReason }) {
  await ctx.db.insert(loginActivities).values({
    userId: attempt.userId,
    authenticationMethod: attempt.method,
    success: outcome.success,
    failureReason: outcome.success ? null : outcome.reason,
    ip: attempt.ip,
    userAgent: attempt.userAgent.slice(0, 500),
  });
}

/** The member's most recent sign-ins and failed tries, newest first (Mastodon's Settings::LoginActivitiesController). */
export async function loginActivitiesOf(ctx: AppContext, userId: string, limit = 50) {
  return ctx.db.select().from(loginActivities).where(eq(loginActivities.userId, userId)).orderBy(desc(loginActivities.createdAt), desc(loginActivities.id)).limit(limit);
}
