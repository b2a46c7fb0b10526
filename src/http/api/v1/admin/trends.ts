import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { renderAdminTag, renderAdminTags, renderPreviewCardProvider, renderStaffTrendLinks, renderStaffTrendStatuses } from '../../../../presenters/admin-trends.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { listPreviewCardProviders, reviewPreviewCardProvider } from '../../../../services/trends/providers.ts';
import { allTrendingLinks, allTrendingStatuses, allTrendingTags, reviewLink, reviewStatus, reviewTag } from '../../../../services/trends/staff-review.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { offsetPage, setOffsetLinks, trendingLinksHandler, trendingStatusesHandler, trendingTagsHandler } from '../trends.ts';
import { adminGuard, adminPage, adminScopeGuard, callerCan } from './guard.ts';

const PATH = '/api/v1/admin/trends';
const read = { preHandler: adminScopeGuard(['admin:read']) };
// Mastodon checks the tags' approve and reject against admin:read (its index's scope), the others' against admin:write
const reviewTags = { preHandler: adminGuard(['admin:read', 'admin:write'], PERMISSIONS.manageTaxonomies) };
const review = { preHandler: adminGuard(['admin:write'], PERMISSIONS.manageTaxonomies) };

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const viewerId = (request: FastifyRequest) => currentUser(request).account.id;

/**
 * Api::V1::Admin::Trends::*: staff who may manage taxonomies see every trending item with its review
 * (even while trends are off) and approve or reject it; anyone else gets the public trends.
 */
export function adminTrendsRoutes(app: FastifyInstance, ctx: AppContext) {
  /** the staff list when the caller may review, else the public list */
  const list =
    (
      path: string,
      publicList: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
      defaultLimit: number,
      staffList: (request: FastifyRequest, page: ReturnType<typeof offsetPage>) => Promise<unknown[]>,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (!callerCan(request, PERMISSIONS.manageTaxonomies)) return publicList(request, reply);
      const page = offsetPage(request, defaultLimit);
      const rendered = await staffList(request, page);
      setOffsetLinks(ctx, request, reply, path, page, rendered.length);
      return rendered;
    };

  app.get(
    `${PATH}/tags`,
    read,
    list(`${PATH}/tags`, trendingTagsHandler(ctx, `${PATH}/tags`), 10, async (request, page) => renderAdminTags(ctx, await allTrendingTags(ctx, page), viewerId(request))),
  );
  app.get(
    `${PATH}/links`,
    read,
    list(`${PATH}/links`, trendingLinksHandler(ctx, `${PATH}/links`), 10, async (_request, page) => renderStaffTrendLinks(ctx, await allTrendingLinks(ctx, page))),
  );
  app.get(
    `${PATH}/statuses`,
    read,
    list(`${PATH}/statuses`, trendingStatusesHandler(ctx, `${PATH}/statuses`), 20, async (request, page) => renderStaffTrendStatuses(ctx, await allTrendingStatuses(ctx, page), viewerId(request))),
  );

  for (const [action, trendable] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post(`${PATH}/tags/:id/${action}`, reviewTags, async (request) => renderAdminTag(ctx, await reviewTag(ctx, idOf(request), trendable), viewerId(request)));
    app.post(`${PATH}/links/:id/${action}`, review, async (request) => (await renderStaffTrendLinks(ctx, [await reviewLink(ctx, idOf(request), trendable)]))[0]);
    app.post(`${PATH}/statuses/:id/${action}`, review, async (request) => (await renderStaffTrendStatuses(ctx, [await reviewStatus(ctx, idOf(request), trendable)], viewerId(request)))[0]);
    app.post(`${PATH}/links/preview_card_providers/:id/${action}`, review, async (request) => renderPreviewCardProvider(await reviewPreviewCardProvider(ctx, idOf(request), trendable)));
  }

  const providersPath = `${PATH}/links/preview_card_providers`;
  app.get(providersPath, { preHandler: adminGuard(['admin:read'], PERMISSIONS.manageTaxonomies) }, (request, reply) =>
    adminPage(ctx.config, request, reply, { path: providersPath, limit: 100, load: (page) => listPreviewCardProviders(ctx, page), render: renderPreviewCardProvider }),
  );
}
