import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ApiError } from '../../lib/errors.ts';
import { endSessionOf, sessionsOf } from '../../services/accounts/sessions.ts';
import { authorizedApplications, revokeAuthorizedApplication } from '../../services/oauth/authorized-applications.ts';
import { params } from '../plugins/params.ts';
import { csrfToken, currentSessionId, verifyCsrf } from '../plugins/session.ts';
import { html } from '../views/html.ts';
import { renderPage, signedIn } from './member-page.ts';
import { emailSection } from './account-email.ts';
import type { UserRow } from '../../services/oauth/authenticate-token.ts';

/**
 * Mastodon's web-only pages for what a member has signed in to (there is no REST API for them):
 * `/oauth/authorized_applications` lists the apps holding live tokens, each revocable
 * (`POST /oauth/authorized_applications/:id` revokes all its tokens for the member and closes
 * their streams; the instance's own web client is listed without a button, as Mastodon hides it
 * for superapps), and `/auth/edit` lists the browser sessions, each other one signed out by
 * `POST /settings/sessions/:id`. Forms post with `_method=delete`, as Rails' do; POST alone works.
 */
const APPS_PATH = '/oauth/authorized_applications';
const SESSIONS_PATH = '/auth/edit';

const when = (date: Date) => html`<time datetime="${date.toISOString()}">${date.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`;

function revokeForm(action: string, csrf: string, label: string) {
  return html`<form method="post" action="${action}"><input type="hidden" name="authenticity_token" value="${csrf}"><input type="hidden" name="_method" value="delete"><button type="submit" aria-label="${label}">Revoke</button></form>`;
}

async function appsPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, userId: string) {
  const apps = await authorizedApplications(ctx, userId);
  const csrf = csrfToken(ctx, request, reply);
  return renderPage(
    ctx,
    reply,
    200,
    'Authorized apps',
    apps.length
      ? html`<p>These apps can use your account. Revoking one signs it out and closes its connections.</p>
<table class="authorized-apps"><thead><tr><th scope="col">App</th><th scope="col">Permissions</th><th scope="col">Authorized</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${apps.map(
  (app) =>
    html`<tr><td>${app.website && /^https?:\/\//i.test(app.website) ? html`<a href="${app.website}" rel="noopener noreferrer">${app.name}</a>` : app.name}</td><td>${app.scopes.map((scope) => html`<code>${scope}</code> `)}</td><td>${when(app.authorizedAt)}</td><td>${app.superapp ? '' : revokeForm(`${APPS_PATH}/${app.id}`, csrf, `Revoke ${app.name}`)}</td></tr>`,
)}
</tbody></table>`
      : html`<p>You have not authorized any apps.</p>`,
  );
}

async function sessionsPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, user: UserRow) {
  const sessions = await sessionsOf(ctx, user.id, currentSessionId(request));
  const csrf = csrfToken(ctx, request, reply);
  return renderPage(
    ctx,
    reply,
    200,
    'Account settings',
    html`${emailSection(user, csrf)}
<h2>Sessions</h2>
<p>The browsers signed in to your account. Revoking one signs it out.</p>
<ul class="auth-links"><li><a href="${APPS_PATH}">Authorized apps</a></li><li><a href="/settings/login_activities">Sign-in history</a></li><li><a href="/settings/two_factor_authentication_methods">Two-factor authentication</a></li></ul>
<table class="sessions"><thead><tr><th scope="col">Browser</th><th scope="col">IP</th><th scope="col">Signed in</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>
${sessions.map(
  (session) =>
    html`<tr><td>${session.userAgent || 'Unknown browser'}</td><td>${session.ip ?? ''}</td><td>${when(session.signedInAt)}</td><td>${session.current ? 'Current session' : revokeForm(`/settings/sessions/${session.id}`, csrf, `Revoke session ${session.id}`)}</td></tr>`,
)}
</tbody></table>`,
  );
}

/** Runs a revocation posted by a form: CSRF-checked, for the signed-in member, 404 for what is not theirs. */
async function revoke(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, back: string, action: (userId: string, id: string) => Promise<void>) {
  const input = params(request);
  verifyCsrf(ctx, request, input.authenticity_token);
  const session = await signedIn(ctx, request, reply, back);
  if (!session) return;
  const { id } = request.params as { id: string };
  try {
    await action(session.user.id, id);
  } catch (error) {
    if (error instanceof ApiError && (error.statusCode === 404 || error.statusCode === 403)) return renderPage(ctx, reply, error.statusCode, 'Not found', html`<p>${error.message}</p>`);
    throw error;
  }
  return reply.redirect(back, 303);
}

export function authorizedAppsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(APPS_PATH, async (request, reply) => {
    const session = await signedIn(ctx, request, reply, APPS_PATH);
    if (session) return appsPage(ctx, request, reply, session.user.id);
  });
  app.post(`${APPS_PATH}/:id`, (request, reply) => revoke(ctx, request, reply, APPS_PATH, (userId, id) => revokeAuthorizedApplication(ctx, userId, id)));

  app.get(SESSIONS_PATH, async (request, reply) => {
    const session = await signedIn(ctx, request, reply, SESSIONS_PATH);
    if (session) return sessionsPage(ctx, request, reply, session.user);
  });
  app.post('/settings/sessions/:id', (request, reply) => revoke(ctx, request, reply, SESSIONS_PATH, (userId, id) => endSessionOf(ctx, userId, id)));
}
