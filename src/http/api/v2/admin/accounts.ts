import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import type { AccountFilter } from '../../../../services/moderation/admin-account-filter.ts';
import { listParam } from '../../../params.ts';
import { text } from '../../../plugins/params.ts';
import { accountList, readAccounts } from '../../v1/admin/accounts.ts';

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
  app.get(PATH, readAccounts, accountList(ctx, PATH, v2Filter));
}
