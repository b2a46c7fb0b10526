import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { authenticateClient, findApplication } from '../../services/oauth/applications.ts';
import { isWebClientApplication } from '../../services/oauth/web-client-application.ts';
import { invalidClient, invalidRequest, invalidScope, OAuthError } from '../../services/oauth/errors.ts';
import { exchangeGrant } from '../../services/oauth/grants.ts';
import { issueToken, revokeToken } from '../../services/oauth/tokens.ts';
import { renderToken } from '../../serializers/token.ts';
import { parseScopes, unknownScopes, withinScopes } from '../../services/oauth/scopes.ts';
import { authorize } from '../plugins/auth.ts';
import { params, text } from '../plugins/params.ts';
import { avatarUrl } from '../../serializers/media-urls.ts';

/** a non-empty scalar param */
const given = (value: unknown) => text(value) || undefined;

/** Basic credentials are form-encoded (RFC 6749 2.3.1); malformed ones identify no client. */
function percentDecoded(value: string): string | undefined {
  try {
    const decoded = decodeURIComponent(value.replaceAll('+', ' '));
    return decoded && !decoded.includes('\0') ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/** client_secret_basic or client_secret_post, as Mastodon's metadata advertises. */
async function authenticatedClient(ctx: AppContext, request: FastifyRequest, input: Record<string, unknown>, publicClientAllowed: boolean) {
  let clientId = given(input.client_id);
  let clientSecret = given(input.client_secret);
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      clientId = percentDecoded(decoded.slice(0, colon));
      clientSecret = percentDecoded(decoded.slice(colon + 1));
    }
  }
  if (clientId && !clientSecret && publicClientAllowed) {
    // the web client is a public client (RFC 6749 §2.1): it has its client_id only, and PKCE
    const app = await findApplication(ctx, clientId);
    if (app && isWebClientApplication(app)) return app;
  }
  const app = clientId && clientSecret ? await authenticateClient(ctx, clientId, clientSecret) : undefined;
  if (!app) throw invalidClient();
  return app;
}

function sendOAuthError(reply: FastifyReply, error: unknown) {
  if (error instanceof OAuthError) return reply.status(error.statusCode).send({ error: error.code, error_description: error.message });
  throw error;
}

export function tokenRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/oauth/token', async (request, reply) => {
    try {
      const input = params(request);
      // a public client may trade a code (its grants all carry a PKCE challenge), nothing else
      const client = await authenticatedClient(ctx, request, input, input.grant_type === 'authorization_code');
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      switch (input.grant_type) {
        case 'authorization_code': {
          const code = given(input.code);
          const redirectUri = given(input.redirect_uri);
          if (!code) throw invalidRequest('Missing required parameter: code.');
          if (!redirectUri) throw invalidRequest('Missing required parameter: redirect_uri.');
          const token = await exchangeGrant(ctx, { app: client, code, redirectUri, codeVerifier: given(input.code_verifier) });
          return renderToken(token);
        }
        case 'client_credentials': {
          const scopes = parseScopes(given(input.scope) ?? given(input.scopes));
          if (unknownScopes(scopes).length > 0 || !withinScopes(scopes, parseScopes(client.scopes))) throw invalidScope();
          return renderToken(await issueToken(ctx, { applicationId: client.id, userId: null, scopes }));
        }
        case undefined:
          throw invalidRequest('Missing required parameter: grant_type.');
        default:
          throw new OAuthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
      }
    } catch (error) {
      return sendOAuthError(reply, error);
    }
  });

  app.post('/oauth/revoke', async (request, reply) => {
    try {
      const input = params(request);
      const client = await authenticatedClient(ctx, request, input, true);
      const token = given(input.token);
      if (!token) throw invalidRequest('Missing required parameter: token.');
      if (!(await revokeToken(ctx, client, token))) {
        throw new OAuthError(403, 'unauthorized_client', 'You are not authorized to revoke this token');
      }
      return {};
    } catch (error) {
      return sendOAuthError(reply, error);
    }
  });

  const userinfo = async (request: FastifyRequest) => {
    const account = request.auth!.account;
    if (!account) return { iss: `${baseUrl(ctx.config)}/` };
    return {
      iss: `${baseUrl(ctx.config)}/`,
      sub: account.uri,
      name: account.displayName,
      preferred_username: account.username,
      profile: account.url,
      picture: avatarUrl(ctx, account),
    };
  };
  app.get('/oauth/userinfo', { preHandler: authorize({ scopes: ['profile'] }) }, userinfo);
  app.post('/oauth/userinfo', { preHandler: authorize({ scopes: ['profile'] }) }, userinfo);
}
