import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { createIpBlock, findIpBlock, listIpBlocks, removeIpBlock, updateIpBlock, type IpBlockInput } from '../../../../services/moderation/ip-blocks.ts';
import { renderAdminIpBlock } from '../../../../serializers/sign-up-blocks.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { params, text } from '../../../plugins/params.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { adminGuard, adminPage } from './guard.ts';

const read = { preHandler: adminGuard(['admin:read', 'admin:read:ip_blocks'], PERMISSIONS.manageBlocks) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:ip_blocks'], PERMISSIONS.manageBlocks) };
const PATH = '/api/v1/admin/ip_blocks';

/** `params.permit(:ip, :severity, :comment, :expires_in)`: only what was given. */
function blockInput(input: Record<string, unknown>): IpBlockInput {
  const given = (key: string) => (input[key] === undefined ? undefined : (text(input[key]) ?? null));
  return { ip: given('ip') ?? undefined, severity: given('severity') ?? undefined, comment: given('comment'), expiresIn: given('expires_in') };
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

/** Api::V1::Admin::IpBlocksController: addresses whose sign-ups need approval or are refused, or that may not reach the instance. */
export function adminIpBlocksRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, (request, reply) => adminPage(ctx.config, request, reply, { path: PATH, limit: 100, load: (page) => listIpBlocks(ctx, page), render: renderAdminIpBlock }));

  app.get(`${PATH}/:id`, read, async (request) => renderAdminIpBlock(await findIpBlock(ctx, idOf(request))));

  app.post(PATH, write, async (request) => renderAdminIpBlock(await createIpBlock(ctx, blockInput(params(request)), currentUser(request).account.id)));

  const update = async (request: FastifyRequest) => renderAdminIpBlock(await updateIpBlock(ctx, idOf(request), blockInput(params(request)), currentUser(request).account.id));
  app.put(`${PATH}/:id`, write, update);
  app.patch(`${PATH}/:id`, write, update);

  app.delete(`${PATH}/:id`, write, async (request) => {
    await removeIpBlock(ctx, idOf(request), currentUser(request).account.id);
    return {};
  });
}
