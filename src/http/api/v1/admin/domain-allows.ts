import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { createDomainAllow, findDomainAllow, listDomainAllows, removeDomainAllow } from '../../../../services/relationships/block-domain.ts';
import { renderDomainAllow } from '../../../../serializers/domain-block.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { params, text } from '../../../plugins/params.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { adminGuard, adminPage } from './guard.ts';

const read = { preHandler: adminGuard(['admin:read', 'admin:read:domain_allows'], PERMISSIONS.manageFederation) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:domain_allows'], PERMISSIONS.manageFederation) };
const LIMIT = 100;
const PATH = '/api/v1/admin/domain_allows';

/** Api::V1::Admin::DomainAllowsController: the domains LIMITED_FEDERATION_MODE federates with. */
export function adminDomainAllowsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, (request, reply) => adminPage(ctx.config, request, reply, { path: PATH, limit: LIMIT, load: (page) => listDomainAllows(ctx, page), render: renderDomainAllow }));
  app.get(`${PATH}/:id`, read, async (request) => renderDomainAllow(await findDomainAllow(ctx, (request.params as { id: string }).id)));
  app.post(PATH, write, async (request) => renderDomainAllow(await createDomainAllow(ctx, text(params(request).domain), currentUser(request).account.id)));
  app.delete(`${PATH}/:id`, write, async (request) => {
    await removeDomainAllow(ctx, (request.params as { id: string }).id, currentUser(request).account.id);
    return {};
  });
}
