import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ApiError } from '../../lib/errors.ts';
import { recordTokenUse } from '../../services/instance/activity.ts';
import { authenticateToken, type Authentication } from '../../services/oauth/authenticate-token.ts';
import { grants } from '../../services/oauth/scopes.ts';
import { userAccessProblem } from '../../services/accounts/users.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** a streaming route: neither the web tier's token handling nor its rate limits apply */
    streaming?: boolean;
  }
  interface FastifyRequest {
    /** the bearer token's owner, app and scopes; undefined without a valid token */
    auth?: Authentication;
    /** why a presented token was refused (shown if the route needs one) */
    authError?: string;
  }
}

/** The bearer token the request carries (header, or `access_token` param), unchecked. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim() || undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const body = request.body as Record<string, unknown> | undefined;
  const param = query?.access_token ?? body?.access_token ?? query?.bearer_token;
  return typeof param === 'string' && param ? param : undefined;
}

/** Resolves the bearer token, if one was sent, for every route. */
export function registerAuthentication(app: FastifyInstance, ctx: AppContext) {
  app.decorateRequest('auth', undefined);
  app.decorateRequest('authError', undefined);
  app.addHook('preHandler', async (request) => {
    // the streaming tier authenticates its connections itself, as a separate process would
    if (request.routeOptions.config.streaming) return;
    const token = presentedToken(request);
    if (!token) return;
    const result = await authenticateToken(ctx, token);
    if ('error' in result) {
      request.authError = result.error;
      return;
    }
    request.auth = result;
    await recordTokenUse(ctx, result, request.ip);
  });
}

export interface AuthorizeOptions {
  /** any one of these scopes (or a broader one covering it) is enough, as in Doorkeeper */
  scopes: string[];
  /** the token must belong to a signed-in user (Mastodon's `require_user!`) */
  user?: boolean;
}

/** A route guard: `{ preHandler: authorize({ scopes: ['read:accounts'], user: true }) }`. */
export function authorize(options: AuthorizeOptions) {
  return async function checkToken(request: FastifyRequest, _reply: FastifyReply) {
    const auth = request.auth;
    if (!auth) throw new ApiError(401, request.authError ?? 'The access token is invalid');
    if (options.scopes.length > 0 && !options.scopes.some((scope) => grants(auth.scopes, scope))) {
      throw new ApiError(403, 'This action is outside the authorized scopes');
    }
    if (options.user) {
      if (!auth.user || !auth.account) throw new ApiError(422, 'This method requires an authenticated user');
      const problem = userAccessProblem(auth.user, auth.account);
      if (problem) throw new ApiError(403, problem);
    }
  };
}

/** The account looking at a public endpoint, or null when nobody is signed in. */
export function viewerOf(request: FastifyRequest): string | null {
  return request.auth?.account?.id ?? null;
}

/** The signed-in user and account of a route guarded by `authorize({ user: true })`. */
export function currentUser(request: FastifyRequest) {
  const auth = request.auth;
  if (!auth?.user || !auth.account) throw new ApiError(422, 'This method requires an authenticated user');
  return { user: auth.user, account: auth.account, auth };
}

/** Mastodon's `authorize_if_got_token!`: no token is fine, but a token must carry one of the scopes. */
export function authorizeIfToken(scopes: string[]) {
  return async function checkOptionalToken(request: FastifyRequest) {
    const auth = request.auth;
    if (auth) {
      if (!scopes.some((scope) => grants(auth.scopes, scope))) throw new ApiError(403, 'This action is outside the authorized scopes');
    } else if (request.authError && request.authError !== 'The access token is invalid') {
      // Doorkeeper ignores tokens it does not know on public endpoints, but refuses revoked ones.
      throw new ApiError(401, request.authError);
    }
  };
}
