import { renderAccountRows } from '../../../presenters/accounts.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { followRequesters } from '../../../services/relationships/account-relation-pages.ts';
import { authorizeFollowRequest, rejectFollowRequest } from '../../../services/relationships/answer-follow-request.ts';
import { rowId } from '../../../lib/ids.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { relationshipWith } from './account-actions.ts';

function requesterId(params: unknown): string {
  const id = rowId((params as { id: string }).id);
  if (!id) throw notFound();
  return id;
}

export function followRequestsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/follow_requests', { preHandler: authorize({ scopes: ['read:follows'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const entries = await followRequesters(ctx, account.id, pageRequest(request, 40, 80));
    setLinkHeader(
      ctx.config,
      request,
      reply,
      entries.map((entry) => entry.cursor),
    );
    return await renderAccountRows(ctx, entries);
  });

  app.post('/api/v1/follow_requests/:id/authorize', { preHandler: authorize({ scopes: ['write:follows'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const id = requesterId(request.params);
    await authorizeFollowRequest(ctx, account.id, id);
    return relationshipWith(ctx, account.id, id);
  });

  app.post('/api/v1/follow_requests/:id/reject', { preHandler: authorize({ scopes: ['write:follows'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const id = requesterId(request.params);
    await rejectFollowRequest(ctx, account.id, id);
    return relationshipWith(ctx, account.id, id);
  });
}
