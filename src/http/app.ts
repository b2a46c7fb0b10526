import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { accountsRoutes } from './api/v1/accounts.ts';
import { appsRoutes } from './api/v1/apps.ts';
import { customEmojisRoutes } from './api/v1/custom-emojis.ts';
import { instanceV1Routes } from './api/v1/instance.ts';
import { preferencesRoutes } from './api/v1/preferences.ts';
import { instanceV2Routes } from './api/v2/instance.ts';
import { signInRoutes } from './auth/sign-in.ts';
import { healthRoutes } from './health.ts';
import { authorizeRoutes } from './oauth/authorize.ts';
import { tokenRoutes } from './oauth/token.ts';
import { registerAuthentication } from './plugins/auth.ts';
import { registerErrorHandlers } from './plugins/errors.ts';
import { queryParser, registerParamParsers } from './plugins/params.ts';
import { registerRateLimits } from './plugins/rate-limit.ts';
import { registerSession } from './plugins/session.ts';
import { staticRoutes } from './static.ts';
import { oauthMetadataRoutes } from './well-known/oauth-authorization-server.ts';

/** Rails trusts loopback and private networks as proxies; TRUSTED_PROXY_IP adds more. */
const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/** The web tier: every HTTP route, on one Fastify instance. */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: [...DEFAULT_TRUSTED_PROXIES, ...ctx.config.trustedProxies],
    routerOptions: { querystringParser: queryParser, ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
  });
  registerErrorHandlers(app);
  await registerParamParsers(app);
  await registerSession(app, ctx);
  registerAuthentication(app, ctx);
  registerRateLimits(app, ctx);

  healthRoutes(app, ctx);
  staticRoutes(app);
  oauthMetadataRoutes(app, ctx);
  signInRoutes(app, ctx);
  authorizeRoutes(app, ctx);
  tokenRoutes(app, ctx);
  appsRoutes(app, ctx);
  accountsRoutes(app, ctx);
  preferencesRoutes(app, ctx);
  instanceV1Routes(app, ctx);
  instanceV2Routes(app, ctx);
  customEmojisRoutes(app, ctx);
  return app;
}
