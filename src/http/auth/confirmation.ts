import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { text } from '../../lib/rails-params.ts';
import { confirmEmail, resendConfirmation } from '../../services/accounts/email-confirmation.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { registrationRules } from '../../services/instance/instance.ts';
import { params } from '../plugins/params.ts';
import { nested } from './form-input.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, layout } from '../views/html.ts';
import { AUTH_LINKS, checkEmailPage, resendConfirmationPage } from '../views/auth-pages.ts';

/** Devise's confirmations: the link in the confirmation mail, and a form to have it sent again. */
export function confirmationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/auth/confirmation', async (request, reply) => {
    const token = (request.query as Record<string, unknown>).confirmation_token;
    const { site_title } = await getSettings(ctx);
    const confirmed = typeof token === 'string' && token !== '' && (await confirmEmail(ctx, token));
    if (!confirmed) {
      const body = html`<p>This confirmation link is invalid or was already used.</p><p><a href="${AUTH_LINKS.resendConfirmation[0]}">Send a new confirmation link</a></p>`;
      return reply
        .status(404)
        .type('text/html; charset=utf-8')
        .send(layout('Confirmation failed', site_title, body));
    }
    const body = confirmed.approved
      ? html`<p>Your email address has been successfully confirmed.</p><p><a href="/auth/sign_in">Log in</a></p>`
      : html`<p>Your email address has been successfully confirmed.</p><p>Your application is pending review by our staff; you can log in once it is approved.</p>`;
    return reply.type('text/html; charset=utf-8').send(layout('E-mail confirmed', site_title, body));
  });

  app.get('/auth/confirmation/new', async (request, reply) => {
    const { site_title } = await getSettings(ctx);
    return reply.type('text/html; charset=utf-8').send(resendConfirmationPage({ siteTitle: site_title, csrf: csrfToken(ctx, request, reply) }));
  });

  // the same answer whether or not the address is known (or already confirmed): nobody learns who has an account
  app.post('/auth/confirmation', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const email = text(nested(input.user).email)?.trim() ?? '';
    const settings = await getSettings(ctx);
    if (!email) {
      return reply
        .status(422)
        .type('text/html; charset=utf-8')
        .send(resendConfirmationPage({ siteTitle: settings.site_title, csrf: csrfToken(ctx, request, reply), error: "E-mail can't be blank" }));
    }
    await resendConfirmation(ctx, email);
    return reply.type('text/html; charset=utf-8').send(checkEmailPage(settings.site_title, registrationRules(ctx, settings).approvalRequired));
  });
}
