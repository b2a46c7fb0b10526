import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import {
  canonicalEmailBlocksMatching,
  createCanonicalEmailBlock,
  findCanonicalEmailBlock,
  listCanonicalEmailBlocks,
  removeCanonicalEmailBlock,
} from '../../../../services/moderation/canonical-email-blocks.ts';
import { renderAdminCanonicalEmailBlock } from '../../../../serializers/sign-up-blocks.ts';
import { ApiError } from '../../../../lib/errors.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { params, text } from '../../../plugins/params.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { adminGuard, adminPage } from './guard.ts';

const read = { preHandler: adminGuard(['admin:read', 'admin:read:canonical_email_blocks'], PERMISSIONS.manageBlocks) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:canonical_email_blocks'], PERMISSIONS.manageBlocks) };
const PATH = '/api/v1/admin/canonical_email_blocks';

/** Api::V1::Admin::CanonicalEmailBlocksController: addresses (kept as hashes of their canonical form) no one may sign up with again. */
export function adminCanonicalEmailBlocksRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, (request, reply) =>
    adminPage(ctx.config, request, reply, { path: PATH, limit: 100, load: (page) => listCanonicalEmailBlocks(ctx, page), render: renderAdminCanonicalEmailBlock }),
  );

  app.get(`${PATH}/:id`, read, async (request) => renderAdminCanonicalEmailBlock(await findCanonicalEmailBlock(ctx, (request.params as { id: string }).id)));

  app.post(`${PATH}/test`, read, async (request) => {
    const email = text(params(request).email);
    if (!email) throw new ApiError(400, 'param is missing or the value is empty: email');
    return (await canonicalEmailBlocksMatching(ctx, email)).map(renderAdminCanonicalEmailBlock);
  });

  app.post(PATH, write, async (request) => {
    const input = params(request);
    return renderAdminCanonicalEmailBlock(await createCanonicalEmailBlock(ctx, { email: text(input.email), canonicalEmailHash: text(input.canonical_email_hash) }, currentUser(request).account.id));
  });

  app.delete(`${PATH}/:id`, write, async (request) => {
    await removeCanonicalEmailBlock(ctx, (request.params as { id: string }).id, currentUser(request).account.id);
    return {};
  });
}
