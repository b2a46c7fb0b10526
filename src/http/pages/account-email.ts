import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { UserRow } from '../../services/oauth/authenticate-token.ts';
import { requestEmailChange } from '../../services/accounts/change-email.ts';
import { formErrors, nested } from '../auth/form-input.ts';
import { params, text } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { renderPage, signedIn } from './member-page.ts';

const ACCOUNT_PATH = '/auth/edit';

/**
 * The e-mail part of Mastodon's account settings (Auth::RegistrationsController#edit/update at
 * `/auth/edit` and `PUT /auth`): a new address, confirmed with the current password, waits for the
 * link mailed to it; the address in use is told of the change.
 */
export function emailSection(user: UserRow, csrf: string, errors: { message?: string; fields?: Record<string, string[]> } = {}, value?: string): SafeHtml {
  const fieldError = (field: string) => errors.fields?.[field]?.map((message) => html`<p class="error" id="${field}-error">${message}</p>`);
  return html`<section aria-labelledby="email-heading"><h2 id="email-heading">E-mail address</h2>
${user.unconfirmedEmail ? html`<p class="notice" role="status">Waiting for you to confirm <strong>${user.unconfirmedEmail}</strong>: open the link mailed to it. Until then you keep using ${user.email}.</p>` : ''}
${errors.message ? html`<div class="error" role="alert"><p>${errors.message}</p></div>` : ''}
<form method="post" action="/auth">
<input type="hidden" name="authenticity_token" value="${csrf}">
<input type="hidden" name="_method" value="put">
<label for="user_email">E-mail address</label>
<input id="user_email" type="email" name="user[email]" value="${value ?? user.email}" autocomplete="email" required>
${fieldError('email')}
<label for="user_current_password">Current password</label>
<input id="user_current_password" type="password" name="user[current_password]" autocomplete="current-password" required>
${fieldError('current_password')}
<button type="submit">Save changes</button>
</form></section>`;
}

export function accountEmailRoutes(app: FastifyInstance, ctx: AppContext) {
  const update = async (request: FastifyRequest, reply: FastifyReply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, ACCOUNT_PATH);
    if (!session) return reply;
    const form = nested(input.user);
    const email = text(form.email) ?? '';
    try {
      await requestEmailChange(ctx, session.user, { email, currentPassword: text(form.current_password) ?? '' });
    } catch (error) {
      const { message, fields } = formErrors(error);
      return renderPage(ctx, reply, 422, 'Account settings', emailSection(session.user, csrfToken(ctx, request, reply), { message, fields }, email));
    }
    return reply.redirect(ACCOUNT_PATH, 303);
  };
  app.post('/auth', update);
  app.put('/auth', update);
}
