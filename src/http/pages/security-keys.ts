import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { digest } from '../../lib/crypto.ts';
import { ApiError } from '../../lib/errors.ts';
import { addSecurityKey, registrationOptions, removeSecurityKey, securityKeysOf } from '../../services/two-factor/security-keys.ts';
import { params, text } from '../plugins/params.ts';
import { useScriptPolicy } from '../plugins/security-headers.ts';
import { csrfToken, currentSessionId, verifyCsrf } from '../plugins/session.ts';
import { html } from '../views/html.ts';
import { securityKeysBody } from '../views/two-factor.ts';
import { renderPage, signedIn } from './member-page.ts';

/**
 * Mastodon's Settings::TwoFactorAuthentication::WebauthnCredentialsController at
 * `/settings/security_keys`: the member's keys, each removable, and one added with a nickname by the
 * page's script (options from `/settings/security_keys/options`, the key's answer posted as JSON,
 * answered with where to go next). Only for members with TOTP on, as in Mastodon.
 */
const KEYS_PATH = '/settings/security_keys';
const METHODS_PATH = '/settings/two_factor_authentication_methods';
const OTP_REQUIRED = 'You need to enable two-factor authentication with an authenticator app before adding security keys.';

/** The ceremony's challenge is kept for this browser session. */
const challengeKey = (request: FastifyRequest) => `register:${digest(currentSessionId(request)!)}`;

async function keysPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, userId: string, status = 200, messages: { notice?: string; error?: string } = {}) {
  useScriptPolicy(reply);
  const keys = await securityKeysOf(ctx, userId);
  return renderPage(ctx, reply, status, 'Security keys', securityKeysBody({ csrf: csrfToken(ctx, request, reply), keys, ...messages }));
}

export function securityKeyRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(KEYS_PATH, async (request, reply) => {
    const member = await signedIn(ctx, request, reply, KEYS_PATH);
    if (!member) return;
    if (!member.user.otpRequiredForLogin)
      return renderPage(ctx, reply, 403, 'Security keys', html`<p class="error" role="alert">${OTP_REQUIRED}</p><p><a href="${METHODS_PATH}">Two-factor authentication</a></p>`);
    const notice = (request.query as Record<string, unknown>).added === '1' ? 'Your security key was successfully added.' : undefined;
    return keysPage(ctx, request, reply, member.user.id, 200, { notice });
  });

  app.get(`${KEYS_PATH}/options`, async (request, reply) => {
    const member = await signedIn(ctx, request, reply, KEYS_PATH);
    if (!member) return;
    if (!member.user.otpRequiredForLogin) return reply.status(403).send({ error: OTP_REQUIRED });
    reply.header('cache-control', 'no-store');
    return registrationOptions(ctx, member.user, member.account.username, challengeKey(request));
  });

  // the script's JSON post: answered in JSON, `redirect_path` on success
  app.post(KEYS_PATH, async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const member = await signedIn(ctx, request, reply, KEYS_PATH);
    if (!member) return;
    if (!member.user.otpRequiredForLogin) return reply.status(403).send({ error: OTP_REQUIRED });
    await addSecurityKey(ctx, member.user.id, challengeKey(request), input.credential, text(input.nickname) ?? '');
    return { redirect_path: `${KEYS_PATH}?added=1` };
  });

  app.post(`${KEYS_PATH}/:id`, async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const member = await signedIn(ctx, request, reply, KEYS_PATH);
    if (!member) return;
    const { id } = request.params as { id: string };
    try {
      await removeSecurityKey(ctx, member.user.id, id);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return keysPage(ctx, request, reply, member.user.id, 404, { error: 'That security key was not found.' });
      throw error;
    }
    return keysPage(ctx, request, reply, member.user.id, 200, { notice: 'Your security key was successfully deleted.' });
  });
}
