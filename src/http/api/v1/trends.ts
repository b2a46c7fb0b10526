import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl } from '../../../config/index.ts';
import type { AppContext } from '../../../context.ts';
import { renderStatuses } from '../../../presenters/statuses.ts';
import { renderTags } from '../../../presenters/tags.ts';
import { trendingLinks } from '../../../services/trends/links.ts';
import { renderTrendLinks } from '../../../presenters/trend-links.ts';
import { trendingStatuses } from '../../../services/trends/statuses.ts';
import { trendingTags } from '../../../services/trends/tags.ts';
import { trendSettings, type OffsetPage } from '../../../services/trends/trendable.ts';
import { viewerOf } from '../../plugins/auth.ts';
import { text, params } from '../../plugins/params.ts';
import { intParam } from './directory.ts';

/** Mastodon's `offset` and `limit_param(default)`: at most twice the default. */
export function offsetPage(request: FastifyRequest, defaultLimit: number): OffsetPage {
  return { offset: intParam(request, 'offset', 0, 0, Number.MAX_SAFE_INTEGER), limit: intParam(request, 'limit', defaultLimit, 1, defaultLimit * 2) };
}

/** `Link` with `next` while a page comes back full, and `prev` after the first page, both by offset. */
export function setOffsetLinks(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, path: string, page: OffsetPage, count: number) {
  const link = (rel: string, offset: number) => {
    const url = new URL(path, baseUrl(ctx.config));
    const limit = text(params(request).limit);
    if (limit !== undefined && limit !== '') url.searchParams.set('limit', String(page.limit));
    url.searchParams.set('offset', String(offset));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [];
  if (count === page.limit) links.push(link('next', page.offset + page.limit));
  if (page.offset > 0) links.push(link('prev', Math.max(page.offset - page.limit, 0)));
  if (links.length > 0) reply.header('link', links.join(', '));
}

/** Mastodon's Api::V1::Trends::TagsController#index at `path`: empty while the `trends` setting is off. */
export const trendingTagsHandler = (ctx: AppContext, path: string) => async (request: FastifyRequest, reply: FastifyReply) => {
  const page = offsetPage(request, 10);
  const settings = await trendSettings(ctx);
  if (!settings.enabled) return [];
  const rows = await trendingTags(ctx, settings.trendableByDefault, page);
  setOffsetLinks(ctx, request, reply, path, page, rows.length);
  return renderTags(ctx, rows, viewerOf(request));
};

export const trendingStatusesHandler = (ctx: AppContext, path: string) => async (request: FastifyRequest, reply: FastifyReply) => {
  const page = offsetPage(request, 20);
  const settings = await trendSettings(ctx);
  if (!settings.enabled) return [];
  const viewerId = viewerOf(request);
  const rows = await trendingStatuses(ctx, settings.trendableByDefault, viewerId, page);
  setOffsetLinks(ctx, request, reply, path, page, rows.length);
  return renderStatuses(ctx, rows, { viewerId });
};

export const trendingLinksHandler = (ctx: AppContext, path: string) => async (request: FastifyRequest, reply: FastifyReply) => {
  const page = offsetPage(request, 10);
  const settings = await trendSettings(ctx);
  if (!settings.enabled) return [];
  const rows = await trendingLinks(ctx, settings.trendableByDefault, page);
  setOffsetLinks(ctx, request, reply, path, page, rows.length);
  return renderTrendLinks(ctx, rows);
};

/** `/api/v1/trends/*` (Mastodon's Api::V1::Trends controllers): empty while the `trends` setting is off. */
export function trendsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/trends/tags', trendingTagsHandler(ctx, '/api/v1/trends/tags'));
  // the deprecated alias of trends/tags
  app.get('/api/v1/trends', trendingTagsHandler(ctx, '/api/v1/trends'));
  app.get('/api/v1/trends/statuses', trendingStatusesHandler(ctx, '/api/v1/trends/statuses'));
  app.get('/api/v1/trends/links', trendingLinksHandler(ctx, '/api/v1/trends/links'));
}
