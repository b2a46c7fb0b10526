import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeCustomEmoji } from '../../../serializers/custom-emoji.ts';
import { listedCustomEmojis } from '../../../services/custom-emojis.ts';

export function customEmojisRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/custom_emojis', async (_request, reply) => {
    const emojis = await listedCustomEmojis(ctx);
    reply.header('cache-control', 'public, max-age=180');
    return emojis.map((emoji) => serializeCustomEmoji(ctx, emoji));
  });
}
