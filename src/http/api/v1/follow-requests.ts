import { accountPage } from '../../account-pages.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { followRequesters } from '../../../services/relationships/account-relation-pages.ts';
import { authorizeFollowRequest, rejectFollowRequest } from '../../../services/relationships/answer-follow-request.ts';
import { pageRequest } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { relationshipWith } from './account-actions.ts';
import { routeId } from '../../params.ts';

export function followRequestsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/follow_requests', { preHandler: authorize({ scopes: ['read:follows'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await followRequesters(ctx, account.id, pageRequest(request, 40, 80));
    return await accountPage(ctx, request, reply, entries);
  });

  app.post('/api/v1/follow_requests/:id/authorize', { preHandler: authorize({ scopes: ['write:follows'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const id = routeId(request);
    await authorizeFollowRequest(ctx, account.id, id);
    return relationshipWith(ctx, account.id, id);
  });

  app.post('/api/v1/follow_requests/:id/reject', { preHandler: authorize({ scopes: ['write:follows'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const id = routeId(request);
    await rejectFollowRequest(ctx, account.id, id);
    return relationshipWith(ctx, account.id, id);
  });
}
