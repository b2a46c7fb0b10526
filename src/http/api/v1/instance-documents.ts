import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { instanceActivity } from '../../../services/instance/instance-activity.ts';
import { getSettings, settingUpdatedAt } from '../../../services/accounts/settings.ts';
import { plainToHtml } from '../../../services/statuses/text/plain-to-html.ts';
import { ApiError } from '../../../lib/errors.ts';
import { privacyPolicy } from '../../../services/instance/privacy-policy.ts';
import { serializePrivacyPolicy } from '../../../serializers/privacy-policy.ts';

/** The same for everyone: shared caches may keep it for 3 minutes, as Mastodon allows. */
const PUBLIC_CACHE = 'public, max-age=180';

/** `/api/v1/instance/extended_description`, `privacy_policy` and `activity` (Mastodon's Api::V1::Instances controllers). */
export function instanceDocumentRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/instance/extended_description', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    const { site_extended_description: text } = await getSettings(ctx);
    const updatedAt = await settingUpdatedAt(ctx, 'site_extended_description');
    return { updated_at: updatedAt?.toISOString() ?? null, content: plainToHtml(text) };
  });

  // the admin's policy (the `site_terms` setting), or the default text
  app.get('/api/v1/instance/privacy_policy', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return serializePrivacyPolicy(await privacyPolicy(ctx), ctx.config);
  });

  // like peers, not served in limited federation mode
  app.get('/api/v1/instance/activity', async (_request, reply) => {
    if (ctx.config.limitedFederationMode) throw new ApiError(404, 'Record not found');
    reply.header('cache-control', 'public, max-age=86400');
    return instanceActivity(ctx);
  });
}
