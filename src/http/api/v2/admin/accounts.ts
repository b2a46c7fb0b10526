import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { renderAdminAccounts } from '../../../../presenters/admin-accounts.ts';
import { filterAccounts, type AccountFilter } from '../../../../services/moderation/admin-account-filter.ts';
import { listParam } from '../../../params.ts';
import { params, text } from '../../../plugins/params.ts';
import { adminPage } from '../../v1/admin/guard.ts';
import { ADMIN_ACCOUNTS_LIMIT, readAccounts } from '../../v1/admin/accounts.ts';

const PATH = '/api/v2/admin/accounts';

/** Mastodon's AccountFilter::KEYS, as `GET /api/v2/admin/accounts` takes them (no defaults). */
function v2Filter(input: Record<string, unknown>): AccountFilter {
  return {
    origin: text(input.origin) || undefined,
    status: text(input.status) || undefined,
    permissions: text(input.permissions) || undefined,
    roleIds: input.role_ids === undefined ? undefined : listParam(input.role_ids),
    invitedBy: text(input.invited_by) || undefined,
    username: text(input.username) || undefined,
    displayName: text(input.display_name) || undefined,
    byDomain: text(input.by_domain) || undefined,
    email: text(input.email) || undefined,
    ip: text(input.ip) || undefined,
  };
}

/** Api::V2::Admin::AccountsController#index. */
export function adminAccountsV2Routes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, readAccounts, (request, reply) =>
    adminPage(ctx.config, request, reply, {
      path: PATH,
      limit: ADMIN_ACCOUNTS_LIMIT,
      load: (page) => filterAccounts(ctx, v2Filter(params(request)), page),
      render: (row) => row,
    }).then((rows) => renderAdminAccounts(ctx, rows)),
  );
}
