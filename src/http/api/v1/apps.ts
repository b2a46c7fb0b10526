import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { createApplication } from '../../../services/oauth/applications.ts';
import { serializeApplication, serializeCredentialApplication } from '../../../serializers/application.ts';
import { params, text } from '../../plugins/params.ts';

/** `redirect_uris` comes as an array, or as one string of URIs separated by new lines or spaces. */
function redirectUris(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s]+/) : [];
  return list.filter((uri): uri is string => typeof uri === 'string' && uri.length > 0);
}

export function appsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/apps', async (request) => {
    const input = params(request);
    if (input.client_name !== undefined && typeof input.client_name !== 'string') throw new ApiError(422, 'Validation failed: Application name is invalid');
    const { app: created, clientSecret } = await createApplication(ctx, {
      name: text(input.client_name) ?? '',
      redirectUris: redirectUris(input.redirect_uris),
      scopes: text(input.scopes),
      website: text(input.website),
    });
    return serializeCredentialApplication(created, clientSecret, ctx.config.vapid?.publicKey ?? '');
  });

  app.get('/api/v1/apps/verify_credentials', async (request) => {
    const auth = request.auth;
    if (!auth) throw new ApiError(401, request.authError ?? 'The access token is invalid');
    if (!auth.application) throw new ApiError(404, 'Record not found');
    return serializeApplication(auth.application, ctx.config.vapid?.publicKey ?? '');
  });
}
