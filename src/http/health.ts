import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';

/** Races a dependency check against a deadline so a hung backend shows as down instead of hanging the probe. */
async function check(probe: () => Promise<void>, timeoutMs = 2000): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([probe().then(() => 'ok' as const), deadline]);
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /health` for load balancers: 200 "OK" when the database, cache and queue answer, 503 otherwise. */
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
}
