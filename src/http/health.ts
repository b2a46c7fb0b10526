import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { check, readiness } from '../services/instance/readiness.ts';

/**
 * `GET /health` for load balancers: 200 "OK" when the database, cache and queue answer, 503 otherwise.
 * `GET /health/ready` for readiness probes: 200 when the database, Redis (if configured) and the media
 * storage answer, else 503 naming the checks that failed (`failed`), in JSON.
 */
export function healthRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/health', async (request, reply) => {
    const [database, cache, queue, pubsub] = await Promise.all([check(() => ctx.database.ping()), check(() => ctx.cache.ping()), check(() => ctx.queue.ping()), check(() => ctx.pubsub.ping())]);
    const healthy = [database, cache, queue, pubsub].every((state) => state === 'ok');
    reply.status(healthy ? 200 : 503).header('cache-control', 'no-store');
    if ((request.query as Record<string, unknown>).format === 'json' || request.headers.accept?.includes('application/json')) {
      return { status: healthy ? 'ok' : 'degraded', database, cache, queue, pubsub };
    }
    return reply.type('text/plain').send(healthy ? 'OK' : 'DEGRADED');
  });
  app.get('/health/ready', async (_request, reply) => {
    const state = await readiness(ctx);
    reply.status(state.ready ? 200 : 503).header('cache-control', 'no-store');
    return { status: state.ready ? 'ready' : 'unavailable', ...state.checks, failed: state.failed };
  });
}
