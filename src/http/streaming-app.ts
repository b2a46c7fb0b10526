import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import type { StreamingHub } from '../streaming/hub.ts';
import { streamingRoutes, type StreamingRouteOptions } from '../streaming/routes.ts';
import { healthRoutes } from './health.ts';
import { registerCors } from './plugins/cors.ts';
import { registerErrorHandlers } from './plugins/errors.ts';
import { registerParamParsers } from './plugins/params.ts';
import { registerRequestId } from './plugins/request-id.ts';
import { registerRequestMetrics } from './plugins/metrics.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { type AppOptions, createServer } from './server.ts';

// Apart from app.ts, whose routes load federation and media code the streaming role never uses.

/** The streaming role on a server of its own (`subspace streaming`): the streaming API and `/health`. */
export async function buildStreamingApp(ctx: AppContext, hub: StreamingHub, options: StreamingRouteOptions = {}, appOptions: AppOptions = {}): Promise<FastifyInstance> {
  const app = createServer(ctx, appOptions.timeouts);
  registerRequestId(app);
  registerRequestMetrics(app, ctx.metrics);
  registerCors(app);
  registerSecurityHeaders(app);
  registerErrorHandlers(app);
  await registerParamParsers(app);
  healthRoutes(app, ctx);
  await streamingRoutes(app, ctx, hub, options);
  return app;
}
