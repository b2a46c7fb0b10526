import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { favouritedStatuses } from '../../../services/statuses/status-marks.ts';
import { renderMarkedStatuses } from '../../../presenters/marked-statuses.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

/** `GET /api/v1/favourites`: the member's favourited statuses, paginated by favourite. */
export function favouritesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/favourites', { preHandler: authorize({ scopes: ['read', 'read:favourites'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const { markIds, rows } = await favouritedStatuses(ctx, account.id, pageRequest(request, 20, 40));
    setLinkHeader(ctx.config, request, reply, markIds);
    return renderMarkedStatuses(ctx, account.id, rows);
  });
}
