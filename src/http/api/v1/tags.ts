import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { featureTag, unfeatureTag } from '../../../services/statuses/featured-tags.ts';
import { followTag, unfollowTag } from '../../../services/statuses/followed-tags.ts';
import { findOrCreateTag, findTagByName } from '../../../services/statuses/tag-entities.ts';
import { renderTag } from '../../../presenters/tags.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';

const follow = { preHandler: authorize({ scopes: ['follow', 'write:follows'], user: true }) };
const feature = { preHandler: authorize({ scopes: ['write:accounts'], user: true }) };

const nameParam = (request: FastifyRequest) => (request.params as { id: string }).id;

/** `/api/v1/tags/:id` (the id is the tag's name). */
export function tagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/tags/:id', { preHandler: authorizeIfToken(['read', 'read:statuses']) }, async (request) => {
    const tag = await findTagByName(ctx, nameParam(request));
    if (!tag) throw notFound();
    return renderTag(ctx, tag, viewerOf(request));
  });

  app.post('/api/v1/tags/:id/follow', follow, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await followTag(ctx, account.id, tag.id);
    return renderTag(ctx, tag, account.id);
  });

  app.post('/api/v1/tags/:id/unfollow', follow, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await unfollowTag(ctx, account.id, tag.id);
    return renderTag(ctx, tag, account.id);
  });

  app.post('/api/v1/tags/:id/feature', feature, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await featureTag(ctx, account.id, tag.id);
    return renderTag(ctx, tag, account.id);
  });

  app.post('/api/v1/tags/:id/unfeature', feature, async (request) => {
    const { account } = currentUser(request);
    const tag = await findOrCreateTag(ctx, nameParam(request));
    if (!tag) throw notFound();
    await unfeatureTag(ctx, account.id, tag.id);
    return renderTag(ctx, tag, account.id);
  });
}
