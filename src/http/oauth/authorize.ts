import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { findApplication, OOB_REDIRECT_URI } from '../../services/oauth/applications.ts';
import type { ApplicationRow } from '../../services/oauth/authenticate-token.ts';
import { createGrant } from '../../services/oauth/grants.ts';
import { isWebClientApplication } from '../../services/oauth/web-client-application.ts';
import { parseScopes, unknownScopes, withinScopes } from '../../services/oauth/scopes.ts';
import { getSettings } from '../../services/accounts/settings.ts';
import { userAccessProblem } from '../../services/accounts/users.ts';
import { params, text } from '../plugins/params.ts';
import { csrfToken, currentSession, verifyCsrf } from '../plugins/session.ts';
import { authorizationCodePage, consentPage, messagePage, signInPage, type AuthorizationParams } from '../views/oauth.ts';

type Checked =
  | { ok: true; app: ApplicationRow; params: AuthorizationParams; scopes: string[] }
  /** shown as a page: the client or redirect URI cannot be trusted with a redirect */
  | { ok: false; page: string }
  /** sent back to the client's redirect URI, as RFC 6749 §4.1.2.1 asks */
  | { ok: false; redirect: string };

function withQuery(uri: string, query: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

async function checkRequest(ctx: AppContext, input: Record<string, unknown>): Promise<Checked> {
  const clientId = text(input.client_id);
  const app = clientId ? await findApplication(ctx, clientId) : undefined;
  if (!app) return { ok: false, page: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.' };
  const redirectUri = text(input.redirect_uri) ?? (app.redirectUris.length === 1 ? app.redirectUris[0]! : undefined);
  if (!redirectUri || !app.redirectUris.includes(redirectUri)) return { ok: false, page: 'The redirect uri included is not valid.' };

  const state = text(input.state);
  const fail = (error: string, description: string) =>
    redirectUri === OOB_REDIRECT_URI ? ({ ok: false, page: description } as const) : ({ ok: false, redirect: withQuery(redirectUri, { error, error_description: description, state }) } as const);
  if (text(input.response_type) !== 'code') return fail('unsupported_response_type', 'The authorization server does not support this response type.');
  const scopes = parseScopes(text(input.scope));
  if (unknownScopes(scopes).length > 0 || !withinScopes(scopes, parseScopes(app.scopes))) {
    return fail('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
  }
  const challenge = text(input.code_challenge);
  const method = text(input.code_challenge_method);
  if (challenge && (method ?? 'S256') !== 'S256') return fail('invalid_request', 'Code challenge method must be S256.');
  if (!challenge && method) return fail('invalid_request', 'Missing required parameter: code_challenge.');
  // the web client is a public client: PKCE is all that binds its code to the page that asked
  if (!challenge && isWebClientApplication(app)) return fail('invalid_request', 'Missing required parameter: code_challenge.');
  return {
    ok: true,
    app,
    scopes,
    params: { client_id: app.uid, redirect_uri: redirectUri, scope: scopes.join(' '), state, response_type: 'code', code_challenge: challenge, code_challenge_method: challenge ? 'S256' : undefined },
  };
}

/** Where the browser goes once the member approved: back to the client with a code. */
async function grantedRedirect(ctx: AppContext, checked: Extract<Checked, { ok: true }>, userId: string): Promise<string> {
  const { redirect_uri: redirectUri, state } = checked.params;
  const code = await createGrant(ctx, {
    app: checked.app,
    userId,
    redirectUri,
    scopes: checked.scopes,
    codeChallenge: checked.params.code_challenge,
    codeChallengeMethod: checked.params.code_challenge_method,
  });
  if (redirectUri === OOB_REDIRECT_URI) return `/oauth/authorize/native?code=${encodeURIComponent(code)}`;
  return withQuery(redirectUri, { code, state });
}

async function respondToBadRequest(ctx: AppContext, reply: FastifyReply, checked: Exclude<Checked, { ok: true }>) {
  if ('redirect' in checked) return reply.redirect(checked.redirect, 302);
  const { site_title } = await getSettings(ctx);
  return reply
    .status(400)
    .type('text/html')
    .send(messagePage(site_title, 'An error has occurred', checked.page));
}

export function authorizeRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/oauth/authorize', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const checked = await checkRequest(ctx, query);
    if (!checked.ok) return respondToBadRequest(ctx, reply, checked);
    const { site_title } = await getSettings(ctx);
    const session = query.force_login === 'true' ? undefined : await currentSession(ctx, request);
    if (!session || userAccessProblem(session.user, session.account)) {
      const returnTo = `/oauth/authorize?${new URLSearchParams(Object.entries(checked.params).filter((e): e is [string, string] => e[1] !== undefined))}`;
      return reply.type('text/html').send(signInPage({ siteTitle: site_title, csrf: csrfToken(ctx, request, reply), returnTo }));
    }
    // the instance's own web client is authorized without asking, as Mastodon's web app is
    if (isWebClientApplication(checked.app)) return reply.redirect(await grantedRedirect(ctx, checked, session.user.id), 302);
    return reply.type('text/html').send(
      consentPage({
        siteTitle: site_title,
        csrf: csrfToken(ctx, request, reply),
        appName: checked.app.name,
        website: checked.app.website,
        username: session.account.username,
        scopes: checked.scopes,
        params: checked.params,
      }),
    );
  });

  const decide = (approve: boolean | 'by-method') => async (request: FastifyRequest, reply: FastifyReply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const checked = await checkRequest(ctx, input);
    if (!checked.ok) return respondToBadRequest(ctx, reply, checked);
    const session = await currentSession(ctx, request);
    if (!session || userAccessProblem(session.user, session.account)) return reply.redirect(`/auth/sign_in`, 303);
    const approved = approve === 'by-method' ? input._method !== 'delete' : approve;
    const { redirect_uri: redirectUri, state } = checked.params;
    if (!approved) {
      if (redirectUri === OOB_REDIRECT_URI) {
        const { site_title } = await getSettings(ctx);
        return reply.type('text/html').send(messagePage(site_title, 'Authorization denied', 'You denied the application access to your account.'));
      }
      return reply.redirect(withQuery(redirectUri, { error: 'access_denied', error_description: 'The resource owner or authorization server denied the request.', state }), 302);
    }
    return reply.redirect(await grantedRedirect(ctx, checked, session.user.id), 302);
  };

  app.post('/oauth/authorize', decide('by-method'));
  app.delete('/oauth/authorize', decide(false));

  app.get('/oauth/authorize/native', async (request, reply) => {
    const code = text((request.query as Record<string, unknown>).code) ?? '';
    const { site_title } = await getSettings(ctx);
    return reply.type('text/html').send(authorizationCodePage(site_title, code));
  });
}
