import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { text } from '../../lib/rails-params.ts';
import { requestPasswordReset, resetPassword, resetTokenValid } from '../../services/accounts/password-reset.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { params } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, layout } from '../views/html.ts';
import { newPasswordPage, passwordResetRequestPage } from '../views/auth-pages.ts';
import { formErrors, nested } from './form-input.ts';

const INVALID_TOKEN = 'This password reset link is invalid or has expired. Ask for a new one below.';
const SENT = 'If your e-mail address exists in our database, you will receive a password recovery link at your e-mail address in a few minutes.';

/** Devise's passwords (Mastodon's Auth::PasswordsController): ask for a reset link, then choose a new password with it. */
export function passwordRoutes(app: FastifyInstance, ctx: AppContext) {
  const siteTitle = async () => (await getSettings(ctx)).site_title;
  const send = (reply: FastifyReply, status: number, page: string) => reply.status(status).type('text/html; charset=utf-8').send(page);
  const requestForm = async (request: FastifyRequest, reply: FastifyReply, status: number, extra: { error?: string; notice?: string }) =>
    send(reply, status, passwordResetRequestPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), ...extra }));

  app.get('/auth/password/new', (request, reply) => requestForm(request, reply, 200, {}));

  // an unknown token is sent back to ask for a new link, as Mastodon's redirect_invalid_reset_token
  app.get('/auth/password/edit', async (request, reply) => {
    const token = text((request.query as Record<string, unknown>).reset_password_token) ?? '';
    if (!(await resetTokenValid(ctx, token))) return requestForm(request, reply, 404, { error: INVALID_TOKEN });
    return send(reply, 200, newPasswordPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), token, errors: {} }));
  });

  async function update(request: FastifyRequest, reply: FastifyReply, input: Record<string, unknown>) {
    const user = nested(input.user);
    const token = text(user.reset_password_token) ?? '';
    if (!(await resetTokenValid(ctx, token))) return requestForm(request, reply, 404, { error: INVALID_TOKEN });
    let changed: boolean;
    try {
      changed = await resetPassword(ctx, token, text(user.password) ?? '', text(user.password_confirmation) ?? '');
    } catch (error) {
      const { message, fields } = formErrors(error);
      return send(reply, 422, newPasswordPage({ siteTitle: await siteTitle(), csrf: csrfToken(ctx, request, reply), token, errors: fields, error: message }));
    }
    // used by a request that got there first
    if (!changed) return requestForm(request, reply, 404, { error: INVALID_TOKEN });
    const body = html`<p>Your password has been changed successfully. You have been signed out everywhere; log in with your new password.</p><p><a href="/auth/sign_in">Log in</a></p>`;
    return send(reply, 200, layout('Password changed', await siteTitle(), body));
  }

  // one form, two actions: a new link (POST), or the new password (`_method=put`, as Rails forms send a PUT)
  app.post('/auth/password', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    if (text(input._method)?.toLowerCase() === 'put') return update(request, reply, input);
    const email = text(nested(input.user).email)?.trim() ?? '';
    if (!email) return requestForm(request, reply, 422, { error: "E-mail can't be blank" });
    await requestPasswordReset(ctx, email);
    return requestForm(request, reply, 200, { notice: SENT });
  });

  app.put('/auth/password', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    return update(request, reply, input);
  });
}
