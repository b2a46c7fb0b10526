import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { accountsRoutes } from './api/v1/accounts.ts';
import { announcementsRoutes } from './api/v1/announcements.ts';
import { accountActionRoutes } from './api/v1/account-actions.ts';
import { accountCollectionRoutes } from './api/v1/account-collections.ts';
import { blocksMutesRoutes } from './api/v1/blocks-mutes.ts';
import { directoryRoutes } from './api/v1/directory.ts';
import { followRequestsRoutes } from './api/v1/follow-requests.ts';
import { appsRoutes } from './api/v1/apps.ts';
import { customEmojisRoutes } from './api/v1/custom-emojis.ts';
import { instanceV1Routes } from './api/v1/instance.ts';
import { instanceDocumentRoutes } from './api/v1/instance-documents.ts';
import { preferencesRoutes } from './api/v1/preferences.ts';
import { pollsRoutes } from './api/v1/polls.ts';
import { scheduledStatusesRoutes } from './api/v1/scheduled-statuses.ts';
import { statusActionsRoutes } from './api/v1/status-actions.ts';
import { statusesRoutes } from './api/v1/statuses.ts';
import { instanceV2Routes } from './api/v2/instance.ts';
import { bookmarksRoutes } from './api/v1/bookmarks.ts';
import { conversationsRoutes } from './api/v1/conversations.ts';
import { favouritesRoutes } from './api/v1/favourites.ts';
import { featuredTagsRoutes } from './api/v1/featured-tags.ts';
import { filtersV1Routes } from './api/v1/filters.ts';
import { followedTagsRoutes } from './api/v1/followed-tags.ts';
import { markersRoutes } from './api/v1/markers.ts';
import { mediaRoutes } from './api/v1/media.ts';
import { profileRoutes } from './api/v1/profile.ts';
import { mediaFileRoutes } from './media-files.ts';
import { mediaProxyRoutes } from './media-proxy.ts';
import { notificationsV1Routes } from './api/v1/notifications.ts';
import { tagsRoutes } from './api/v1/tags.ts';
import { trendsRoutes } from './api/v1/trends.ts';
import { filtersV2Routes } from './api/v2/filters.ts';
import { notificationsV2Routes } from './api/v2/notifications.ts';
import { searchRoutes } from './api/v2/search.ts';
import { reportsRoutes } from './api/v1/reports.ts';
import { adminDomainAllowsRoutes } from './api/v1/admin/domain-allows.ts';
import { adminDomainBlocksRoutes } from './api/v1/admin/domain-blocks.ts';
import { settingsMigrationRoutes } from './pages/settings-migration.ts';
import { signInRoutes } from './auth/sign-in.ts';
import { federationRoutes } from './federation.ts';
import { healthRoutes } from './health.ts';
import { listsRoutes } from './api/v1/lists.ts';
import { timelinesRoutes } from './api/v1/timelines.ts';
import { authorizeRoutes } from './oauth/authorize.ts';
import { tokenRoutes } from './oauth/token.ts';
import { registerAuthentication } from './plugins/auth.ts';
import { registerCors } from './plugins/cors.ts';
import { registerErrorHandlers } from './plugins/errors.ts';
import { queryParser, registerParamParsers } from './plugins/params.ts';
import { registerRateLimits } from './plugins/rate-limit.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { registerSession } from './plugins/session.ts';
import { registerRequestId, requestId } from './plugins/request-id.ts';
import { staticRoutes } from './static.ts';
import { manifestRoutes } from './manifest.ts';
import type { StreamingHub } from '../streaming/hub.ts';
import { streamingRedirectRoutes, streamingRoutes, type StreamingRouteOptions } from '../streaming/routes.ts';
import { oauthMetadataRoutes } from './well-known/oauth-authorization-server.ts';

/** Rails trusts loopback and private networks as proxies; TRUSTED_PROXY_IP adds more. */
const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/**
 * How long a client may take to send a request: its headers, and the whole request with its body
 * (Node answers 408 and closes the connection), checked every `checkIntervalMs`. A request once
 * received is not timed, so streaming responses (SSE, WebSocket) last as long as they need.
 */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  checkIntervalMs: number;
}

/**
 * A whole request, body included: long enough for a 16 MB upload over a weak mobile link
 * (about 0.5 Mbit/s), short enough that a body never finished cannot hold a connection for long.
 */
const REQUEST_TIMEOUT_MS = 300_000;

export function httpTimeouts(ctx: AppContext, overrides: Partial<HttpTimeouts> = {}): HttpTimeouts {
  return { headersMs: 20_000, requestMs: REQUEST_TIMEOUT_MS, keepAliveMs: ctx.config.persistentTimeoutSeconds * 1000, checkIntervalMs: 2_000, ...overrides };
}

function createServer(ctx: AppContext, timeouts: Partial<HttpTimeouts> = {}): FastifyInstance {
  const { headersMs, requestMs, keepAliveMs, checkIntervalMs } = httpTimeouts(ctx, timeouts);
  return Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: [...DEFAULT_TRUSTED_PROXIES, ...ctx.config.trustedProxies],
    routerOptions: { querystringParser: queryParser, ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
    genReqId: requestId,
    requestIdHeader: false,
    http: { headersTimeout: headersMs, connectionsCheckingInterval: checkIntervalMs },
    requestTimeout: requestMs,
    keepAliveTimeout: keepAliveMs,
  });
}

export interface AppOptions {
  /** tests shorten them */
  timeouts?: Partial<HttpTimeouts>;
}

/** The streaming role on a server of its own (`subspace streaming`): the streaming API and `/health`. */
export async function buildStreamingApp(ctx: AppContext, hub: StreamingHub, options: StreamingRouteOptions = {}, appOptions: AppOptions = {}): Promise<FastifyInstance> {
  const app = createServer(ctx, appOptions.timeouts);
  registerRequestId(app);
  registerCors(app);
  registerSecurityHeaders(app);
  registerErrorHandlers(app);
  await registerParamParsers(app);
  healthRoutes(app, ctx);
  await streamingRoutes(app, ctx, hub, options);
  return app;
}

/**
 * The web tier: every HTTP route, on one Fastify instance. With `streaming`, the streaming API is
 * served here too (embedded mode); without, its paths redirect to STREAMING_API_BASE_URL.
 */
export async function buildApp(ctx: AppContext, options: AppOptions & { streaming?: StreamingHub; streamingOptions?: StreamingRouteOptions } = {}): Promise<FastifyInstance> {
  const app = createServer(ctx, options.timeouts);
  registerRequestId(app);
  registerCors(app);
  registerSecurityHeaders(app);
  registerErrorHandlers(app);
  await registerParamParsers(app);
  await registerSession(app, ctx);
  registerAuthentication(app, ctx);
  registerRateLimits(app, ctx);

  healthRoutes(app, ctx);
  if (options.streaming) await streamingRoutes(app, ctx, options.streaming, options.streamingOptions);
  else streamingRedirectRoutes(app, ctx);
  staticRoutes(app);
  manifestRoutes(app, ctx);
  mediaFileRoutes(app, ctx);
  mediaProxyRoutes(app, ctx);
  oauthMetadataRoutes(app, ctx);
  federationRoutes(app, ctx);
  signInRoutes(app, ctx);
  authorizeRoutes(app, ctx);
  tokenRoutes(app, ctx);
  appsRoutes(app, ctx);
  accountsRoutes(app, ctx);
  profileRoutes(app, ctx);
  accountActionRoutes(app, ctx);
  accountCollectionRoutes(app, ctx);
  blocksMutesRoutes(app, ctx);
  directoryRoutes(app, ctx);
  followRequestsRoutes(app, ctx);
  preferencesRoutes(app, ctx);
  instanceV1Routes(app, ctx);
  instanceDocumentRoutes(app, ctx);
  instanceV2Routes(app, ctx);
  customEmojisRoutes(app, ctx);
  statusesRoutes(app, ctx);
  mediaRoutes(app, ctx);
  statusActionsRoutes(app, ctx);
  pollsRoutes(app, ctx);
  scheduledStatusesRoutes(app, ctx);
  timelinesRoutes(app, ctx);
  listsRoutes(app, ctx);
  // S5: notifications, markers, filters, bookmarks/favourites lists, tags, conversations
  notificationsV1Routes(app, ctx);
  notificationsV2Routes(app, ctx);
  markersRoutes(app, ctx);
  filtersV1Routes(app, ctx);
  filtersV2Routes(app, ctx);
  bookmarksRoutes(app, ctx);
  favouritesRoutes(app, ctx);
  tagsRoutes(app, ctx);
  trendsRoutes(app, ctx);
  followedTagsRoutes(app, ctx);
  featuredTagsRoutes(app, ctx);
  conversationsRoutes(app, ctx);
  searchRoutes(app, ctx);
  announcementsRoutes(app, ctx);
  reportsRoutes(app, ctx);
  adminDomainBlocksRoutes(app, ctx);
  adminDomainAllowsRoutes(app, ctx);
  settingsMigrationRoutes(app, ctx);
  return app;
}
