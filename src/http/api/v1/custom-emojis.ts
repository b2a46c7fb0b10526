import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeCustomEmoji } from '../../../serializers/custom-emoji.ts';
import { listedCustomEmojisJson } from '../../../services/emojis/custom-emojis.ts';

export function customEmojisRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/custom_emojis', async (_request, reply) => {
    const json = await listedCustomEmojisJson(ctx, (emojis) => emojis.map((emoji) => serializeCustomEmoji(ctx, emoji)));
    reply.header('cache-control', 'public, max-age=180');
    return reply.type('application/json; charset=utf-8').send(json);
  });
}
