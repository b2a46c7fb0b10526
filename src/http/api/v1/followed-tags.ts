import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { followedTagsPage } from '../../../services/statuses/followed-tags.ts';
import { renderTags } from '../../../presenters/tags.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';

/** `GET /api/v1/followed_tags`: paginated by the follow's id. */
export function followedTagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/followed_tags', { preHandler: authorize({ scopes: ['follow', 'read:follows'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const { followIds, tags } = await followedTagsPage(ctx, account.id, pageRequest(request, 100, 200));
    setLinkHeader(ctx.config, request, reply, followIds);
    return renderTags(ctx, tags, account.id);
  });
}
