import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { renderAdminTag, renderAdminTags } from '../../../../presenters/admin-trends.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { findTag, listTags, updateTag } from '../../../../services/trends/staff-review.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../../plugins/params.ts';
import { adminGuard, adminPage } from './guard.ts';

const PATH = '/api/v1/admin/tags';
const read = { preHandler: adminGuard(['admin:read'], PERMISSIONS.manageTaxonomies) };
const write = { preHandler: adminGuard(['admin:write'], PERMISSIONS.manageTaxonomies) };

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const flag = (value: unknown) => railsBoolean(value) ?? undefined;

/** Api::V1::Admin::TagsController: every hashtag, and whether it may trend, link and be listed. */
export function adminTagsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, async (request, reply) => {
    const rows = await adminPage(ctx.config, request, reply, { path: PATH, limit: 100, load: (page) => listTags(ctx, page), render: (row) => row });
    return renderAdminTags(ctx, rows, currentUser(request).account.id);
  });

  app.get(`${PATH}/:id`, read, async (request) => renderAdminTag(ctx, await findTag(ctx, idOf(request)), currentUser(request).account.id));

  const update = async (request: FastifyRequest) => {
    const input = params(request);
    const changes = { trendable: flag(input.trendable), usable: flag(input.usable), listable: flag(input.listable), displayName: text(input.display_name) || undefined };
    const row = await updateTag(ctx, idOf(request), Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)));
    return renderAdminTag(ctx, row, currentUser(request).account.id);
  };
  app.put(`${PATH}/:id`, write, update);
  app.patch(`${PATH}/:id`, write, update);
}
