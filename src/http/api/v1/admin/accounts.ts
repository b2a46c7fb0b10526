import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { PERMISSIONS } from '../../../../lib/user-roles.ts';
import { renderAdminAccount, renderAdminAccounts } from '../../../../presenters/admin-accounts.ts';
import {
  approveAccount,
  deleteSuspendedAccount,
  enableAccount,
  findAccountForStaff,
  liftSuspension,
  performAccountAction,
  rejectAccount,
  unsensitizeAccount,
  unsilenceAccount,
  type Staff,
} from '../../../../services/moderation/account-actions.ts';
import { filterAccounts, type AccountFilter } from '../../../../services/moderation/admin-account-filter.ts';
import type { AccountRow } from '../../../../services/oauth/authenticate-token.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../../plugins/params.ts';
import { adminGuard, adminPage } from './guard.ts';

export const ADMIN_ACCOUNTS_LIMIT = 100;
const PATH = '/api/v1/admin/accounts';
export const readAccounts = { preHandler: adminGuard(['admin:read', 'admin:read:accounts'], PERMISSIONS.manageUsers) };
// the policy of each action (services/moderation/account-actions.ts) decides the rest: deleting needs delete_user_data
const write = { preHandler: adminGuard(['admin:write', 'admin:write:accounts'], PERMISSIONS.manageUsers | PERMISSIONS.deleteUserData) };

/** Rails' `present?`: given and not blank. */
const present = (value: unknown) => (text(value) ?? '').trim() !== '';

/**
 * Api::V1::Admin::AccountsController#translated_filter_params: local and active unless said
 * otherwise; `remote`, a status name or `staff` given (with any value) select those.
 */
function v1Filter(input: Record<string, unknown>): AccountFilter {
  const filter: AccountFilter = { origin: present(input.remote) ? 'remote' : 'local', status: 'active' };
  for (const status of ['active', 'pending', 'disabled', 'sensitized', 'silenced', 'suspended']) if (present(input[status])) filter.status = status;
  if (present(input.staff)) filter.permissions = 'staff';
  filter.username = text(input.username);
  filter.displayName = text(input.display_name);
  filter.byDomain = text(input.by_domain);
  filter.email = text(input.email);
  filter.ip = text(input.ip);
  return filter;
}

const staffOf = (request: FastifyRequest): Staff => {
  const { account, user } = currentUser(request);
  return { account, user };
};
const routeAccount = (ctx: AppContext, request: FastifyRequest) => findAccountForStaff(ctx, (request.params as { id: string }).id);

/** A page of accounts matching the filter a request gives (`toFilter`), as Admin::Account entities, with the admin Link header. */
export function accountList(ctx: AppContext, path: string, toFilter: (input: Record<string, unknown>) => AccountFilter) {
  return (request: FastifyRequest, reply: FastifyReply) =>
    adminPage(ctx.config, request, reply, {
      path,
      limit: ADMIN_ACCOUNTS_LIMIT,
      load: (page) => filterAccounts(ctx, toFilter(params(request)), page),
      render: (row) => row,
    }).then((rows) => renderAdminAccounts(ctx, rows));
}

/** Api::V1::Admin::AccountsController and AccountActionsController. */
export function adminAccountsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, readAccounts, accountList(ctx, PATH, v1Filter));

  app.get(`${PATH}/:id`, readAccounts, async (request) => renderAdminAccount(ctx, await routeAccount(ctx, request)));

  /** an action, then the account as it is afterwards */
  const act = (run: (staff: Staff, account: AccountRow) => Promise<unknown>) => async (request: FastifyRequest) => {
    const account = await routeAccount(ctx, request);
    await run(staffOf(request), account);
    return renderAdminAccount(ctx, await findAccountForStaff(ctx, account.id));
  };
  app.post(
    `${PATH}/:id/approve`,
    write,
    act((staff, account) => approveAccount(ctx, staff, account)),
  );
  app.post(
    `${PATH}/:id/enable`,
    write,
    act((staff, account) => enableAccount(ctx, staff, account)),
  );
  app.post(
    `${PATH}/:id/unsilence`,
    write,
    act((staff, account) => unsilenceAccount(ctx, staff, account)),
  );
  app.post(
    `${PATH}/:id/unsuspend`,
    write,
    act((staff, account) => liftSuspension(ctx, staff, account)),
  );
  app.post(
    `${PATH}/:id/unsensitive`,
    write,
    act((staff, account) => unsensitizeAccount(ctx, staff, account)),
  );

  // the rejected sign-up is gone afterwards: it is shown as it was
  app.post(`${PATH}/:id/reject`, write, async (request) => {
    const account = await routeAccount(ctx, request);
    const rendered = await renderAdminAccount(ctx, account);
    await rejectAccount(ctx, staffOf(request), account);
    return rendered;
  });

  app.post(`${PATH}/:id/action`, write, async (request) => {
    const account = await routeAccount(ctx, request);
    const input = params(request);
    await performAccountAction(ctx, staffOf(request), account, {
      type: text(input.type),
      reportId: text(input.report_id) || undefined,
      warningPresetId: text(input.warning_preset_id) || undefined,
      text: text(input.text),
      sendEmailNotification: railsBoolean(input.send_email_notification) !== false,
      includeStatuses: railsBoolean(input.include_statuses) !== false,
    });
    return {};
  });

  app.delete(`${PATH}/:id`, write, async (request) => {
    await deleteSuspendedAccount(ctx, staffOf(request), await routeAccount(ctx, request));
    return {};
  });
}
