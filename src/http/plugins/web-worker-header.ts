import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';

/**
 * In tests only: which of `subspace web`'s WEB_CONCURRENCY workers answered (`X-Subspace-Web-Worker`),
 * so a test can see that the workers share the port. Production responses never carry it.
 */
export function registerWebWorkerHeader(app: FastifyInstance, config: Config) {
  const id = cluster.isWorker ? cluster.worker?.id : undefined;
  if (config.env !== 'test' || id === undefined) return;
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-subspace-web-worker', `${id}/${process.pid}`);
  });
}
