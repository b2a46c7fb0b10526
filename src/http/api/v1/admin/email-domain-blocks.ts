import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import {
  createEmailDomainBlock,
  emailDomainBlockHistories,
  findEmailDomainBlock,
  listEmailDomainBlocks,
  removeEmailDomainBlock,
  type EmailDomainBlockRow,
} from '../../../../services/moderation/email-domain-blocks.ts';
import { renderAdminEmailDomainBlock } from '../../../../serializers/sign-up-blocks.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import { params, railsBoolean, text } from '../../../plugins/params.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { adminGuard, adminPage } from './guard.ts';

const read = { preHandler: adminGuard(['admin:read', 'admin:read:email_domain_blocks'], PERMISSIONS.manageBlocks) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:email_domain_blocks'], PERMISSIONS.manageBlocks) };
const PATH = '/api/v1/admin/email_domain_blocks';

async function renderAll(ctx: AppContext, blocks: EmailDomainBlockRow[]) {
  const histories = await emailDomainBlockHistories(
    ctx,
    blocks.map((block) => block.id),
  );
  return blocks.map((block) => renderAdminEmailDomainBlock(block, histories.get(block.id)!));
}

const renderOne = async (ctx: AppContext, block: EmailDomainBlockRow) => (await renderAll(ctx, [block]))[0];

/** Api::V1::Admin::EmailDomainBlocksController: e-mail domains sign-ups are refused (or held for approval) at. */
export function adminEmailDomainBlocksRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, async (request, reply) => {
    const blocks = await adminPage(ctx.config, request, reply, { path: PATH, limit: 100, load: (page) => listEmailDomainBlocks(ctx, page), render: (row) => row });
    return renderAll(ctx, blocks);
  });

  app.get(`${PATH}/:id`, read, async (request) => renderOne(ctx, await findEmailDomainBlock(ctx, (request.params as { id: string }).id)));

  app.post(PATH, write, async (request) => {
    const input = params(request);
    return renderOne(ctx, await createEmailDomainBlock(ctx, { domain: text(input.domain), allowWithApproval: railsBoolean(input.allow_with_approval) }, currentUser(request).account.id));
  });

  app.delete(`${PATH}/:id`, write, async (request) => {
    await removeEmailDomainBlock(ctx, (request.params as { id: string }).id, currentUser(request).account.id);
    return {};
  });
}
