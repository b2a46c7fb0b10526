import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/metrics.ts';

/** A request no route matched: counted under one route name, whatever its URL. */
const UNMATCHED = 'unmatched';

/** Counts every response by method, route pattern and status, and observes how long it took. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics | undefined): void {
  if (!metrics) return;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
