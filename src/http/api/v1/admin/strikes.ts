import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { PERMISSIONS } from '../../../../lib/user-roles.ts';
import { renderAccountWarnings } from '../../../../presenters/moderation-subjects.ts';
import { findAccountForStaff } from '../../../../services/moderation/account-actions.ts';
import { approveAppeal, rejectAppeal, strikeById, strikesOf } from '../../../../services/moderation/appeals.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { adminGuard } from './guard.ts';

const read = { preHandler: adminGuard(['admin:read', 'admin:read:accounts'], PERMISSIONS.manageUsers) };
const decide = { preHandler: adminGuard(['admin:write', 'admin:write:accounts'], PERMISSIONS.manageAppeals) };

/**
 * For the staff web interface, which Mastodon serves as HTML (admin/accounts/:id and
 * admin/disputes/appeals) with no REST API: an account's strikes as AccountWarning entities
 * (with their appeals), and the decision on an appeal, which returns the strike as it is then.
 */
export function adminStrikesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/admin/accounts/:id/strikes', read, async (request) => {
    const account = await findAccountForStaff(ctx, (request.params as { id: string }).id);
    return renderAccountWarnings(ctx, await strikesOf(ctx, account.id));
  });

  const decision = (run: typeof approveAppeal) => async (request: FastifyRequest) => {
    const { account, user } = currentUser(request);
    const appeal = await run(ctx, { account, user }, (request.params as { id: string }).id);
    const [rendered] = await renderAccountWarnings(ctx, [await strikeById(ctx, appeal.accountWarningId)]);
    return rendered;
  };
  app.post('/api/v1/admin/appeals/:id/approve', decide, decision(approveAppeal));
  app.post('/api/v1/admin/appeals/:id/reject', decide, decision(rejectAppeal));
}
