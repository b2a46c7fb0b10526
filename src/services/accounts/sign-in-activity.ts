import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { SuspiciousSignInMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { UserRow } from '../oauth/authenticate-token.ts';

/**
 * Mastodon's SuspiciousSignInDetector: a sign-in is suspicious when the member signed in before
 * (not the first one after signing up) and never used an address in the same /16 (IPv4) or /64
 * (IPv6) network: not to sign up, in a browser session, nor in an earlier successful sign-in.
 * Members with two-factor sign-in on are trusted, as in Mastodon.
 */
async function suspicious(ctx: AppContext, user: UserRow, ip: string): Promise<boolean> {
  if (!user.currentSignInAt || user.otpRequiredForLogin) return false;
  const [known] = await queryRows(
    ctx.db,
    sql`WITH network AS (SELECT set_masklen(${ip}::inet, CASE family(${ip}::inet) WHEN 4 THEN 16 ELSE 64 END) AS range)
        SELECT 1 FROM network, (
            SELECT sign_up_ip AS ip FROM users WHERE id = ${user.id} AND sign_up_ip IS NOT NULL
          UNION ALL SELECT ip FROM session_activations WHERE user_id = ${user.id} AND ip IS NOT NULL
          UNION ALL SELECT ip FROM login_activities WHERE user_id = ${user.id} AND success AND ip IS NOT NULL
        ) seen
        WHERE seen.ip::inet <<= network.range
        LIMIT 1`,
  );
  return !known;
}

/**
 * A successful sign-in from the web (Auth::SessionsController#on_authentication_success): the member
 * is mailed when it came from an address they never used. Called before the sign-in is recorded
 * (login_activities, src/services/accounts/login-activities.ts) and its session started, so that the
 * new address does not count as known.
 */
export async function warnOfSuspiciousSignIn(ctx: AppContext, user: UserRow, ip: string, userAgent: string): Promise<void> {
  const warn = await suspicious(ctx, user, ip).catch((error: unknown) => {
    ctx.log.warn({ err: error }, 'could not compare a sign-in address with the known ones');
    return false;
  });
  if (warn) await enqueue(ctx, SuspiciousSignInMail, { userId: user.id, ip, userAgent: userAgent.slice(0, 500), at: new Date().toISOString() });
}
