import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { createDomainBlock, findDomainBlock, listDomainBlocks, removeDomainBlock, updateDomainBlock, type DomainBlockInput } from '../../../../services/relationships/block-domain.ts';
import { renderAdminDomainBlock } from '../../../../serializers/domain-block.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { params, railsBoolean, text } from '../../../plugins/params.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { adminGuard, adminPage } from './guard.ts';

const read = { preHandler: adminGuard(['admin:read', 'admin:read:domain_blocks'], PERMISSIONS.manageFederation) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:domain_blocks'], PERMISSIONS.manageFederation) };
const LIMIT = 100;
const PATH = '/api/v1/admin/domain_blocks';

function blockInput(input: Record<string, unknown>): Omit<DomainBlockInput, 'domain'> {
  const comment = (value: unknown) => (value === undefined ? undefined : (text(value) ?? null));
  return {
    severity: text(input.severity),
    rejectMedia: railsBoolean(input.reject_media),
    rejectReports: railsBoolean(input.reject_reports),
    obfuscate: railsBoolean(input.obfuscate),
    privateComment: comment(input.private_comment),
    publicComment: comment(input.public_comment),
  };
}

/** Api::V1::Admin::DomainBlocksController: instance-level domain blocks, for staff who may manage federation. */
export function adminDomainBlocksRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, (request, reply) => adminPage(ctx.config, request, reply, { path: PATH, limit: LIMIT, load: (page) => listDomainBlocks(ctx, page), render: renderAdminDomainBlock }));

  app.get(`${PATH}/:id`, read, async (request) => renderAdminDomainBlock(await findDomainBlock(ctx, (request.params as { id: string }).id)));

  app.post(PATH, write, async (request) => {
    const input = params(request);
    return renderAdminDomainBlock(await createDomainBlock(ctx, { ...blockInput(input), domain: text(input.domain) }, currentUser(request).account.id));
  });

  const update = async (request: import('fastify').FastifyRequest) =>
    renderAdminDomainBlock(await updateDomainBlock(ctx, (request.params as { id: string }).id, blockInput(params(request)), currentUser(request).account.id));
  app.put(`${PATH}/:id`, write, update);
  app.patch(`${PATH}/:id`, write, update);

  app.delete(`${PATH}/:id`, write, async (request) => {
    await removeDomainBlock(ctx, (request.params as { id: string }).id, currentUser(request).account.id);
    return {};
  });
}
