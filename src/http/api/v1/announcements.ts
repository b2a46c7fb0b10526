import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { rowId } from '../../../lib/ids.ts';
import { renderAnnouncements } from '../../../presenters/announcements.ts';
import { addReaction, dismissAnnouncement, publishedAnnouncements, removeReaction } from '../../../services/instance/announcements.ts';
import { authorize, currentUser } from '../../plugins/auth.ts';
import { params, railsBoolean } from '../../plugins/params.ts';

function announcementId(param: string): string {
  const id = rowId(param);
  if (!id) throw notFound();
  return id;
}

/** `/api/v1/announcements`: what the admins announced, with dismissals and emoji reactions. */
export function announcementsRoutes(app: FastifyInstance, ctx: AppContext) {
  const react = { preHandler: authorize({ scopes: ['write:favourites'], user: true }) };

  app.get('/api/v1/announcements', { preHandler: authorize({ scopes: ['read'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    const withDismissed = railsBoolean(params(request).with_dismissed) === true;
    return renderAnnouncements(ctx, await publishedAnnouncements(ctx, account.id, { withDismissed }), account.id);
  });

  app.post<{ Params: { id: string } }>('/api/v1/announcements/:id/dismiss', { preHandler: authorize({ scopes: ['write:accounts'], user: true }) }, async (request) => {
    const { account } = currentUser(request);
    await dismissAnnouncement(ctx, account.id, announcementId(request.params.id));
    return {};
  });

  app.put<{ Params: { id: string; name: string } }>('/api/v1/announcements/:id/reactions/:name', react, async (request) => {
    const { account } = currentUser(request);
    await addReaction(ctx, account.id, announcementId(request.params.id), request.params.name);
    return {};
  });

  app.delete<{ Params: { id: string; name: string } }>('/api/v1/announcements/:id/reactions/:name', react, async (request) => {
    const { account } = currentUser(request);
    await removeReaction(ctx, account.id, announcementId(request.params.id), request.params.name);
    return {};
  });
}
