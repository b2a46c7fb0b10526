import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { renderStatuses } from '../../../presenters/statuses.ts';
import { findOwnList } from '../../../services/relationships/lists.ts';
import { homeTimeline, linkTimeline, listTimeline, publicTimeline, tagTimeline } from '../../../services/feeds/timelines.ts';
import { ApiError } from '../../../lib/errors.ts';
import { pageRequest, setLinkHeader } from '../../pagination.ts';
import { authorize, authorizeIfToken, currentUser, viewerOf } from '../../plugins/auth.ts';
import { textList } from '../../params.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';

/** `any[]=a&any[]=b`, `any=a` or `any[0]=a`: the names given, as strings. */
const names = (value: unknown): string[] => textList(value).filter((name) => !!name);

function publicOptions(request: FastifyRequest) {
  const input = params(request);
  const user = request.auth?.user;
  return {
    local: railsBoolean(input.local) === true,
    remote: railsBoolean(input.remote) === true,
    onlyMedia: railsBoolean(input.only_media) === true,
    // the signed-in user is already loaded with the token
    ...(user ? { chosenLanguages: user.chosenLanguages } : {}),
  };
}

export function timelinesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/timelines/home', { preHandler: authorize({ scopes: ['read:statuses'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const { regenerating, ...page } = await homeTimeline(ctx, account.id, pageRequest(request));
    setLinkHeader(ctx.config, request, reply, page.rows);
    // Mastodon's 206 Partial Content: the feed is being rebuilt, this page came from the database
    if (regenerating) reply.status(206);
    return renderStatuses(ctx, page.rows, { viewerId: account.id, preloaded: page });
  });

  app.get('/api/v1/timelines/public', { preHandler: authorizeIfToken(['read:statuses']) }, async (request, reply) => {
    const viewerId = viewerOf(request);
    const page = await publicTimeline(ctx, viewerId, publicOptions(request), pageRequest(request));
    setLinkHeader(ctx.config, request, reply, page.rows);
    return renderStatuses(ctx, page.rows, { viewerId, preloaded: page });
  });

  app.get<{ Params: { hashtag: string } }>('/api/v1/timelines/tag/:hashtag', { preHandler: authorizeIfToken(['read:statuses']) }, async (request, reply) => {
    const viewerId = viewerOf(request);
    const input = params(request);
    const rows = await tagTimeline(ctx, request.params.hashtag, viewerId, { ...publicOptions(request), any: names(input.any), all: names(input.all), none: names(input.none) }, pageRequest(request));
    setLinkHeader(ctx.config, request, reply, rows);
    return renderStatuses(ctx, rows, { viewerId });
  });

  app.get('/api/v1/timelines/link', { preHandler: authorizeIfToken(['read:statuses']) }, async (request, reply) => {
    const viewerId = viewerOf(request);
    const url = text(params(request).url);
    const rows = url ? await linkTimeline(ctx, url, viewerId, pageRequest(request)) : undefined;
    if (!rows) throw new ApiError(404, 'Record not found');
    setLinkHeader(ctx.config, request, reply, rows);
    return renderStatuses(ctx, rows, { viewerId });
  });

  app.get<{ Params: { id: string } }>('/api/v1/timelines/list/:id', { preHandler: authorize({ scopes: ['read:lists'], user: true }) }, async (request, reply) => {
    const { account } = currentUser(request);
    const list = await findOwnList(ctx, account.id, request.params.id);
    const page = await listTimeline(ctx, list.id, account.id, pageRequest(request));
    setLinkHeader(ctx.config, request, reply, page.rows);
    return renderStatuses(ctx, page.rows, { viewerId: account.id, preloaded: page });
  });
}
