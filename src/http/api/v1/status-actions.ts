import { accountPage } from '../../account-pages.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { renderStatus } from '../../../presenters/statuses.ts';
import type { StatusRow } from '../../../serializers/status.ts';
import { bookmarkStatus, unbookmarkStatus } from '../../../services/statuses/bookmark-status.ts';
import { favouriteStatus, unfavouriteStatus } from '../../../services/statuses/favourite-status.ts';
import { muteConversation, unmuteConversation } from '../../../services/statuses/mute-conversation.ts';
import { pinStatus, unpinStatus } from '../../../services/statuses/pin-status.ts';
import { reblogStatus, unreblogStatus } from '../../../services/statuses/reblog-status.ts';
import { favouritedBy, rebloggedBy } from '../../../services/statuses/status-interactors.ts';
import { pageRequest } from '../../pagination.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { params, text } from '../../plugins/params.ts';

const statusId = (request: FastifyRequest) => (request.params as { id: string }).id;

/** Acting on a status: boosts, favourites, bookmarks, pins, thread mutes, and who boosted or favourited it. */
export function statusActionsRoutes(app: FastifyInstance, ctx: AppContext) {
  const write = (scope: string) => ({ preHandler: authorize({ scopes: ['write', scope], user: true }) });

  app.post('/api/v1/statuses/:id/reblog', write('write:statuses'), async (request) => {
    const { user, account } = currentUser(request);
    const reblog = await reblogStatus(
      ctx,
      { accountId: account.id, username: account.username, numericApId: account.numericApId, defaultPrivacy: user.settings.default_privacy ?? (account.locked ? 'private' : 'public') },
      statusId(request),
      { visibility: text(params(request).visibility) || undefined },
    );
    // Mastodon answers the boost itself, wrapping the original
    return renderStatus(ctx, reblog, { viewerId: account.id });
  });

  app.post('/api/v1/statuses/:id/unreblog', write('write:statuses'), async (request) => {
    const { account } = currentUser(request);
    const original = await unreblogStatus(ctx, account.id, statusId(request));
    return { ...(await renderStatus(ctx, original, { viewerId: account.id })), reblogged: false };
  });

  const simple = (path: string, scope: string, action: (ctx: AppContext, accountId: string, statusId: string) => Promise<StatusRow>) => {
    app.post(`/api/v1/statuses/:id/${path}`, write(scope), async (request) => {
      const { account } = currentUser(request);
      return renderStatus(ctx, await action(ctx, account.id, statusId(request)), { viewerId: account.id });
    });
  };
  simple('favourite', 'write:favourites', favouriteStatus);
  simple('unfavourite', 'write:favourites', unfavouriteStatus);
  simple('bookmark', 'write:bookmarks', bookmarkStatus);
  simple('unbookmark', 'write:bookmarks', unbookmarkStatus);
  simple('pin', 'write:accounts', pinStatus);
  simple('unpin', 'write:accounts', unpinStatus);
  simple('mute', 'write:mutes', muteConversation);
  simple('unmute', 'write:mutes', unmuteConversation);

  const interactors = (path: string, list: typeof rebloggedBy) => {
    app.get(`/api/v1/statuses/:id/${path}`, { preHandler: authorizeIfToken(['read:accounts']) }, async (request, reply) => {
      const viewerId = viewerOf(request);
      const page = pageRequest(request, 40, 80);
      const rows = await list(ctx, statusId(request), viewerId, page);
      return accountPage(
        ctx,
        request,
        reply,
        rows.map((row) => ({ account: row.account, user: { role: row.role }, cursor: row.cursorId })),
      );
    });
  };
  interactors('reblogged_by', rebloggedBy);
  interactors('favourited_by', favouritedBy);
}
