import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { isAccessBlocked } from '../../services/moderation/ip-blocks.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** a static file (icons, the stylesheet): served even to addresses under a `no_access` IP block */
    staticAsset?: boolean;
  }
}

/**
 * Mastodon's Rack::Attack `deny from blocklist`: a request from an address under an unexpired
 * `no_access` IP block gets 403 before anything else happens, static files aside (nginx serves
 * those in front of Mastodon). The address is the client's as the app resolves it (X-Forwarded-For
 * from a trusted proxy, see server.ts).
 */
export function registerIpAccessBlocks(app: FastifyInstance, ctx: AppContext) {
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.staticAsset) return;
    if (await isAccessBlocked(ctx, request.ip)) return reply.status(403).type('text/plain; charset=utf-8').send('Forbidden\n');
  });
}
