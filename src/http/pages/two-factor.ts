import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { digest } from '../../lib/crypto.ts';
import { verifyPassword } from '../../services/accounts/passwords.ts';
import { consumeSecondFactorCode, disableTwoFactor, enableOtp, newOtpSecret, provisioningUri, regenerateRecoveryCodes } from '../../services/two-factor/otp.ts';
import { securityKeysOf } from '../../services/two-factor/security-keys.ts';
import { nested } from '../auth/form-input.ts';
import { params, text } from '../plugins/params.ts';
import { csrfToken, currentSessionId, verifyCsrf } from '../plugins/session.ts';
import { methodsBody, otpSetupBody, recoveryCodesBody } from '../views/two-factor.ts';
import { renderPage, signedIn } from './member-page.ts';

/**
 * Mastodon's two-factor settings (Settings::TwoFactorAuthenticationMethodsController and its
 * OtpAuthentication, Confirmations and RecoveryCodes controllers):
 * `/settings/two_factor_authentication_methods` says what is on; `/settings/otp_authentication`
 * shows a new secret (QR code and text), kept for this browser session an hour, and turns TOTP on
 * once a code from it and the password are sent, showing the ten recovery codes once; new codes
 * need the password, turning it off needs a code (which removes the security keys too).
 */
const METHODS_PATH = '/settings/two_factor_authentication_methods';
const OTP_PATH = '/settings/otp_authentication';
const SETUP_SECONDS = 3600;

const setupKey = (sessionId: string) => `otp_setup:${digest(sessionId)}`;

/** The secret being set up in this browser session, made on first sight. */
async function pendingSecret(ctx: AppContext, sessionId: string): Promise<string> {
  const kept = await ctx.cache.get(setupKey(sessionId));
  if (kept) return kept;
  const secret = await newOtpSecret();
  await ctx.cache.set(setupKey(sessionId), secret, SETUP_SECONDS);
  return secret;
}

type Member = NonNullable<Awaited<ReturnType<typeof signedIn>>>;

async function methodsPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, member: Member, status = 200, messages: { notice?: string; error?: string } = {}) {
  const keys = await securityKeysOf(ctx, member.user.id);
  const body = methodsBody({
    csrf: csrfToken(ctx, request, reply),
    enabled: member.user.otpRequiredForLogin,
    securityKeys: keys.length,
    recoveryCodesLeft: member.user.otpBackupCodes?.length ?? 0,
    ...messages,
  });
  return renderPage(ctx, reply, status, 'Two-factor authentication', body);
}

async function setupPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, member: Member, status = 200, error?: string) {
  const secret = await pendingSecret(ctx, currentSessionId(request)!);
  const { default: QRCode } = await import('qrcode');
  const qrCode = await QRCode.toDataURL(await provisioningUri(ctx, member.user.email, secret), { margin: 2, width: 200 });
  return renderPage(ctx, reply, status, 'Set up two-factor authentication', otpSetupBody({ csrf: csrfToken(ctx, request, reply), qrCode, secret, error }));
}

/** The signed-in member of a form post, CSRF checked; undefined when the answer was sent. */
async function postingMember(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, back: string) {
  const input = params(request);
  verifyCsrf(ctx, request, input.authenticity_token);
  const member = await signedIn(ctx, request, reply, back);
  return member ? { member, input } : undefined;
}

export function twoFactorRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(METHODS_PATH, async (request, reply) => {
    const member = await signedIn(ctx, request, reply, METHODS_PATH);
    if (member) return methodsPage(ctx, request, reply, member);
  });

  app.get(OTP_PATH, async (request, reply) => {
    const member = await signedIn(ctx, request, reply, OTP_PATH);
    if (!member) return;
    if (member.user.otpRequiredForLogin) return reply.redirect(METHODS_PATH, 302);
    return setupPage(ctx, request, reply, member);
  });

  app.post(OTP_PATH, async (request, reply) => {
    const posted = await postingMember(ctx, request, reply, OTP_PATH);
    if (!posted) return;
    const { member, input } = posted;
    if (member.user.otpRequiredForLogin) return reply.redirect(METHODS_PATH, 303);
    const form = nested(input.form_two_factor_confirmation);
    if (!(await verifyPassword(text(form.current_password) ?? '', member.user.encryptedPassword))) return setupPage(ctx, request, reply, member, 422, 'Invalid password.');
    const sessionId = currentSessionId(request)!;
    const codes = await enableOtp(ctx, member.user.id, await pendingSecret(ctx, sessionId), text(form.otp_attempt) ?? '');
    if (!codes) return setupPage(ctx, request, reply, member, 422, 'The code you entered was invalid! Are server time and device time correct?');
    await ctx.cache.del(setupKey(sessionId));
    return renderPage(ctx, reply, 200, 'Recovery codes', recoveryCodesBody(codes, 'Two-factor authentication is now on.'));
  });

  app.post(`${METHODS_PATH}/disable`, async (request, reply) => {
    const posted = await postingMember(ctx, request, reply, METHODS_PATH);
    if (!posted) return;
    const { member, input } = posted;
    if (!member.user.otpRequiredForLogin) return reply.redirect(METHODS_PATH, 303);
    const code = text(nested(input.form_two_factor_confirmation).otp_attempt) ?? '';
    if (!(await consumeSecondFactorCode(ctx, member.user, code))) return methodsPage(ctx, request, reply, member, 422, { error: 'Invalid two-factor authentication code.' });
    await disableTwoFactor(ctx, member.user.id);
    return methodsPage(ctx, request, reply, { ...member, user: { ...member.user, otpRequiredForLogin: false } }, 200, { notice: 'Two-factor authentication is now off.' });
  });

  app.post('/settings/two_factor_authentication/recovery_codes', async (request, reply) => {
    const posted = await postingMember(ctx, request, reply, METHODS_PATH);
    if (!posted) return;
    const { member, input } = posted;
    if (!member.user.otpRequiredForLogin) return reply.redirect(METHODS_PATH, 303);
    if (!(await verifyPassword(text(nested(input.form_challenge).current_password) ?? '', member.user.encryptedPassword))) {
      return methodsPage(ctx, request, reply, member, 422, { error: 'Invalid password.' });
    }
    const codes = await regenerateRecoveryCodes(ctx, member.user.id);
    return renderPage(ctx, reply, 200, 'Recovery codes', recoveryCodesBody(codes, 'Recovery codes successfully regenerated.'));
  });
}
