import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { type AuthenticationMethod, type FailureReason, recordLoginActivity } from '../../services/accounts/login-activities.ts';
import { checkCredentials, endSession, startSession } from '../../services/accounts/sessions.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { warnOfSuspiciousSignIn } from '../../services/accounts/sign-in-activity.ts';
import type { UserRow } from '../../services/oauth/authenticate-token.ts';
import { consumeSecondFactorCode } from '../../services/two-factor/otp.ts';
import { authenticationOptions, securityKeysOf, verifySecurityKey } from '../../services/two-factor/security-keys.ts';
import { endSignInAttempt, findSignInAttempt, secondFactorAttemptsExceeded, startSignInAttempt } from '../../services/two-factor/sign-in-attempts.ts';
import { params } from '../plugins/params.ts';
import { useScriptPolicy } from '../plugins/security-headers.ts';
import { clearSessionCookie, clearSignInAttemptCookie, csrfToken, setSessionCookie, setSignInAttemptCookie, signInAttemptToken, verifyCsrf } from '../plugins/session.ts';
import { signInPage } from '../views/oauth.ts';
import { twoFactorSignInPage } from '../views/two-factor.ts';
import { nested } from './form-input.ts';

/** Only a path on this site may be returned to after signing in; by default the web client, as Mastodon's. */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/home';
}

function signInProblem(user: { confirmedAt: Date | null; approved: boolean; disabled: boolean }, suspended: boolean) {
  if (!user.confirmedAt) return 'You have to confirm your email address before continuing.';
  if (user.disabled || suspended) return 'Your account is disabled.';
  if (!user.approved) return 'Your application is pending review by our staff.';
  return null;
}

const INVALID_CODE = 'Invalid two-factor authentication code.';
const RATE_LIMITED = 'Too many authentication attempts, try again later.';
const TIMED_OUT = 'Your session expired. Please log in again to continue.';

/**
 * `/auth/sign_in` (Mastodon's Auth::SessionsController with its TwoFactorAuthenticationConcern):
 * the e-mail and password first; a member with two-factor sign-in on is then asked for a code from
 * their app, a recovery code, or a security key (posted as JSON by the page's script), at most
 * MAX_SECOND_FACTOR_ATTEMPTS_PER_HOUR tries an hour. Every sign-in and failed try of a known member
 * goes in their history (login_activities) with its method.
 */
export function signInRoutes(app: FastifyInstance, ctx: AppContext) {
  const siteTitle = async () => (await getSettings(ctx)).site_title;
  const attemptOf = (request: FastifyRequest, userId: string, method: AuthenticationMethod) => ({ userId, method, ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });

  async function signedIn(request: FastifyRequest, reply: FastifyReply, user: UserRow, method: AuthenticationMethod) {
    // before the sign-in is recorded and its session started: their address must not count as known yet
    await warnOfSuspiciousSignIn(ctx, user, request.ip, request.headers['user-agent'] ?? '');
    await recordLoginActivity(ctx, attemptOf(request, user.id, method), { success: true });
    const sessionId = await startSession(ctx, user.id, request.headers['user-agent'] ?? '', request.ip);
    setSessionCookie(ctx, reply, sessionId);
  }

  async function secondStep(request: FastifyRequest, reply: FastifyReply, status: number, securityKeys: boolean, error?: string) {
    if (securityKeys) useScriptPolicy(reply);
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(twoFactorSignInPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), securityKeys, error }));
  }

  const hasSecurityKeys = async (userId: string) => (await securityKeysOf(ctx, userId)).length > 0;

  app.get('/auth/sign_in', async (request, reply) => {
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    return reply.type('text/html').send(signInPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), returnTo }));
  });

  async function passwordStep(request: FastifyRequest, reply: FastifyReply, input: Record<string, unknown>) {
    const user = nested(input.user);
    const email = typeof user.email === 'string' ? user.email : '';
    const password = typeof user.password === 'string' ? user.password : '';
    const returnTo = safeReturnTo(input.return_to);
    const checked = email && password ? await checkCredentials(ctx, email, password) : { found: undefined };
    if (!checked.found && checked.wrongPasswordFor) await recordLoginActivity(ctx, attemptOf(request, checked.wrongPasswordFor, 'password'), { success: false, reason: 'invalid' });
    const { found } = checked;
    const problem = found ? signInProblem(found.user, !!found.account.suspendedAt) : 'Invalid E-mail address or password.';
    if (problem) {
      return reply
        .status(401)
        .type('text/html')
        .send(signInPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), returnTo, email, error: problem }));
    }
    if (found!.user.otpRequiredForLogin) {
      setSignInAttemptCookie(ctx, reply, await startSignInAttempt(ctx, found!.user, returnTo));
      return secondStep(request, reply, 200, await hasSecurityKeys(found!.user.id));
    }
    await signedIn(request, reply, found!.user, 'password');
    return reply.redirect(returnTo, 303);
  }

  app.post('/auth/sign_in', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const user = nested(input.user);
    if (typeof user.email === 'string' && user.email !== '') return passwordStep(request, reply, input);

    const token = signInAttemptToken(request);
    const attempt = token ? await findSignInAttempt(ctx, token) : undefined;
    const json = 'credential' in user;
    if (!token || !attempt) {
      clearSignInAttemptCookie(reply);
      if (json) return reply.status(401).send({ error: TIMED_OUT });
      return reply
        .status(401)
        .type('text/html')
        .send(signInPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), returnTo: '/home', error: token ? TIMED_OUT : undefined }));
    }
    const userId = attempt.user.id;
    const method: AuthenticationMethod = json ? 'webauthn' : 'otp';
    const fail = (reason: FailureReason) => recordLoginActivity(ctx, attemptOf(request, userId, method), { success: false, reason });
    const securityKeys = await hasSecurityKeys(userId);

    if (await secondFactorAttemptsExceeded(ctx, userId)) {
      await fail('second_factor_attempts_rate_limit_reached');
      if (json) return reply.status(429).send({ error: RATE_LIMITED });
      return secondStep(request, reply, 429, securityKeys, RATE_LIMITED);
    }
    const passed = json
      ? securityKeys && (await verifySecurityKey(ctx, userId, `sign_in:${token}`, user.credential))
      : typeof user.otp_attempt === 'string' && (await consumeSecondFactorCode(ctx, attempt.user, user.otp_attempt));
    if (!passed) {
      await fail(json ? 'invalid_credential' : 'invalid_otp_token');
      if (json) return reply.status(422).send({ error: 'The security key could not be verified.' });
      return secondStep(request, reply, 401, securityKeys, INVALID_CODE);
    }
    await endSignInAttempt(ctx, token);
    clearSignInAttemptCookie(reply);
    await signedIn(request, reply, attempt.user, method);
    if (json) return { redirect_path: attempt.returnTo };
    return reply.redirect(attempt.returnTo, 303);
  });

  // the options for the security key of a sign-in awaiting its second factor (Mastodon's webauthn_options)
  app.get('/auth/sessions/security_key_options', async (request, reply) => {
    const token = signInAttemptToken(request);
    const attempt = token ? await findSignInAttempt(ctx, token) : undefined;
    const options = attempt ? await authenticationOptions(ctx, attempt.user.id, `sign_in:${token}`) : null;
    if (!options) return reply.status(401).send({ error: 'Security keys are not enabled for this account.' });
    reply.header('cache-control', 'no-store');
    return options;
  });

  app.post('/auth/sign_out', async (request, reply) => {
    verifyCsrf(ctx, request, params(request).authenticity_token);
    const raw = request.cookies._subspace_session;
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    if (unsigned?.valid && unsigned.value) await endSession(ctx, unsigned.value);
    clearSessionCookie(reply);
    return reply.redirect('/auth/sign_in', 303);
  });
}
