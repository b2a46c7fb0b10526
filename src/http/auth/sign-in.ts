import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { checkCredentials, endSession, startSession } from '../../services/accounts/sessions.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { recordSignIn } from '../../services/accounts/sign-in-activity.ts';
import { params } from '../plugins/params.ts';
import { clearSessionCookie, csrfToken, setSessionCookie, verifyCsrf } from '../plugins/session.ts';
import { signInPage } from '../views/oauth.ts';

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

export function signInRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/auth/sign_in', async (request, reply) => {
    const { site_title } = await getSettings(ctx);
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    return reply.type('text/html').send(signInPage({ siteTitle: site_title, csrf: csrfToken(ctx, request, reply), returnTo }));
  });

  app.post('/auth/sign_in', async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const user = (input.user ?? {}) as Record<string, unknown>;
    const email = typeof user.email === 'string' ? user.email : '';
    const password = typeof user.password === 'string' ? user.password : '';
    const returnTo = safeReturnTo(input.return_to);
    const found = email && password ? await checkCredentials(ctx, email, password) : undefined;
    const problem = found ? signInProblem(found.user, !!found.account.suspendedAt) : 'Invalid E-mail address or password.';
    if (problem) {
      const { site_title } = await getSettings(ctx);
      return reply
        .status(401)
        .type('text/html')
        .send(signInPage({ siteTitle: site_title, csrf: csrfToken(ctx, request, reply), returnTo, email, error: problem }));
    }
    await recordSignIn(ctx, found!.user, request.ip, request.headers['user-agent'] ?? '');
    const sessionId = await startSession(ctx, found!.user.id, request.headers['user-agent'] ?? '', request.ip);
    setSessionCookie(ctx, reply, sessionId);
    return reply.redirect(returnTo, 303);
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
