import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { bookmarkedStatuses } from '../../../services/statuses/status-marks.ts';
import { renderMarkedStatuses } from '../../../presenters/marked-statuses.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

/** `GET /api/v1/bookmarks`: the member's bookmarked statuses, paginated by bookmark. */
export function bookmarksRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/bookmarks', { preHandler: authorize({ scopes: ['read', 'read:bookmarks'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const { markIds, rows } = await bookmarkedStatuses(ctx, account.id, pageRequest(request, 20, 40));
    setLinkHeader(ctx.config, request, reply, markIds);
    return renderMarkedStatuses(ctx, account.id, rows);
  });
}
