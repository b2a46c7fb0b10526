import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeInstance } from '../../../serializers/instance.ts';
import { loadInstanceFacts } from '../../../presenters/instance.ts';

export function instanceV2Routes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v2/instance', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=180');
    return serializeInstance(await loadInstanceFacts(ctx));
  });
}
