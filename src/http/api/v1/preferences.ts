import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { serializePreferences } from '../../../serializers/preferences.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

export function preferencesRoutes(app: FastifyInstance, _ctx: AppContext) {
  app.get('/api/v1/preferences', { preHandler: authorize({ scopes: ['read:accounts'], user: true }) }, async (request) => {
    const { account, user } = currentUser(request);
    return serializePreferences(account, user);
  });
}
