import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { railsBoolean, text } from '../../lib/rails-params.ts';
import { CAPTCHA_FAILED_MESSAGE, captchaSiteKey, HCAPTCHA_RESPONSE_FIELD, HCAPTCHA_SCRIPT_URL, verifyCaptcha } from '../../services/accounts/captcha.ts';
import { signUpMember } from '../../services/accounts/register-account.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { closedRegistrationsMessage, registrationRules } from '../../services/instance/instance.ts';
import { instanceRules } from '../../services/instance/rules.ts';
import { params } from '../plugins/params.ts';
import { csrfToken, currentSession, verifyCsrf } from '../plugins/session.ts';
import { useCaptchaPolicy } from '../plugins/security-headers.ts';
import { SafeHtml } from '../views/html.ts';
import { checkEmailPage, type FieldErrors, registrationsClosedPage, signUpPage, type SignUpForm } from '../views/auth-pages.ts';
import { formErrors, nested } from './form-input.ts';

/** `/auth/sign_up` (Mastodon's Auth::RegistrationsController): the web form for the sign-up apps make through `POST /api/v1/accounts`. */
export function signUpRoutes(app: FastifyInstance, ctx: AppContext) {
  async function renderForm(request: FastifyRequest, reply: FastifyReply, values: SignUpForm['values'] = {}, errors: FieldErrors = {}, error?: string) {
    const settings = await getSettings(ctx);
    const rules = registrationRules(ctx, settings);
    if (!rules.enabled) {
      const message = closedRegistrationsMessage(settings);
      return reply
        .status(request.method === 'GET' ? 200 : 403)
        .type('text/html; charset=utf-8')
        .send(registrationsClosedPage(settings.site_title, ctx.config.localDomain, message ? new SafeHtml(message) : null));
    }
    const siteKey = captchaSiteKey(ctx);
    if (siteKey) useCaptchaPolicy(reply);
    const page = signUpPage({
      siteTitle: settings.site_title,
      domain: ctx.config.localDomain,
      csrf: csrfToken(ctx, request, reply),
      approvalRequired: rules.approvalRequired,
      reasonRequired: rules.reasonRequired,
      rules: await instanceRules(ctx),
      values,
      errors,
      error,
      captcha: siteKey ? { siteKey, scriptUrl: HCAPTCHA_SCRIPT_URL } : undefined,
    });
    return reply
      .status(error ? 422 : 200)
      .type('text/html; charset=utf-8')
      .send(page);
  }

  // a signed-in member has an account already (Devise's require_no_authentication)
  app.get('/auth/sign_up', async (request, reply) => ((await currentSession(ctx, request)) ? reply.redirect('/', 302) : renderForm(request, reply)));

  app.post('/auth/sign_up', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const user = nested(input.user);
    const values = {
      username: text(nested(user.account_attributes).username)?.trim() ?? '',
      email: text(user.email)?.trim() ?? '',
      reason: text(nested(user.invite_request_attributes).text) ?? '',
    };
    const settings = await getSettings(ctx);
    if (!registrationRules(ctx, settings).enabled) return renderForm(request, reply);
    // Mastodon's CaptchaConcern: checked before anything else of the form is
    if (!(await verifyCaptcha(ctx, text(input[HCAPTCHA_RESPONSE_FIELD]), request.ip))) return renderForm(request, reply, values, {}, CAPTCHA_FAILED_MESSAGE);
    try {
      await signUpMember(ctx, {
        ...values,
        password: text(user.password) ?? '',
        passwordConfirmation: text(user.password_confirmation) ?? '',
        agreement: railsBoolean(user.agreement) === true,
        locale: null,
        ip: request.ip,
      });
    } catch (error) {
      const { message, fields } = formErrors(error);
      return renderForm(request, reply, values, fields, message);
    }
    return reply.redirect('/auth/sign_up/done', 303);
  });

  app.get('/auth/sign_up/done', async (_request, reply) => {
    const settings = await getSettings(ctx);
    return reply.type('text/html; charset=utf-8').send(checkEmailPage(settings.site_title, registrationRules(ctx, settings).approvalRequired));
  });
}
