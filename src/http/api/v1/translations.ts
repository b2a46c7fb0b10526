import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializeTranslation } from '../../../serializers/translation.ts';
import { targetLanguage, translateStatus, translationLanguages } from '../../../services/statuses/translate-status.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

/** The same for everyone: shared caches may keep it for 3 minutes, as Mastodon allows. */
const PUBLIC_CACHE = 'public, max-age=180';

/** `POST /api/v1/statuses/:id/translate` and `GET /api/v1/instance/translation_languages` (Mastodon's translation controllers). */
export function translationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/statuses/:id/translate', { preHandler: authorize({ scopes: ['read', 'read:statuses'], user: true }) }, async (request) => {
    const { user, account } = currentUser(request);
    const target = targetLanguage(text(params(request).lang), user.locale);
    return serializeTranslation(await translateStatus(ctx, account.id, (request.params as { id: string }).id, target));
  });

  app.get('/api/v1/instance/translation_languages', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return translationLanguages(ctx);
  });
}
