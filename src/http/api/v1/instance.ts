import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeInstanceV1 } from '../../../serializers/instance.ts';
import { instancePeers, loadInstanceFacts } from '../../../services/instance.ts';

/** The same for everyone, and polled by apps: shared caches may keep it for 3 minutes, as Mastodon allows. */
const PUBLIC_CACHE = 'public, max-age=180';

export function instanceV1Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/instance', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return serializeInstanceV1(await loadInstanceFacts(ctx));
  });

  app.get('/api/v1/instance/rules', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return [];
  });

  app.get('/api/v1/instance/peers', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return instancePeers(ctx);
  });
}
