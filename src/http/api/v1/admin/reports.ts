import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import type { ReportRow } from '../../../../services/moderation/report-account.ts';
import { PERMISSIONS } from '../../../../lib/user-roles.ts';
import { renderAdminReport, renderAdminReports } from '../../../../presenters/admin-reports.ts';
import type { Staff } from '../../../../services/moderation/account-actions.ts';
import { assignReportToSelf, filterReports, findReport, reopenReport, resolveReport, unassignReport, updateReport } from '../../../../services/moderation/admin-reports.ts';
import { listParam } from '../../../params.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../../plugins/params.ts';
import { adminGuard, adminPage } from './guard.ts';

const PATH = '/api/v1/admin/reports';
const LIMIT = 100;
const read = { preHandler: adminGuard(['admin:read', 'admin:read:reports'], PERMISSIONS.manageReports) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:reports'], PERMISSIONS.manageReports) };

const staffOf = (request: FastifyRequest): Staff => {
  const { account, user } = currentUser(request);
  return { account, user };
};

/** Api::V1::Admin::ReportsController. */
export function adminReportsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, (request, reply) => {
    const input = params(request);
    const filter = { resolved: railsBoolean(input.resolved) === true, accountId: text(input.account_id) || undefined, targetAccountId: text(input.target_account_id) || undefined };
    return adminPage(ctx.config, request, reply, { path: PATH, limit: LIMIT, load: (page) => filterReports(ctx, filter, page), render: (row) => row }).then((rows) =>
      renderAdminReports(ctx, staffOf(request).account.id, rows),
    );
  });

  app.get(`${PATH}/:id`, read, async (request) => renderAdminReport(ctx, staffOf(request).account.id, await findReport(ctx, (request.params as { id: string }).id)));

  /** a change to the report, then the report as it is afterwards */
  const change = (run: (staff: Staff, report: ReportRow, request: FastifyRequest) => Promise<ReportRow>) => async (request: FastifyRequest) => {
    const staff = staffOf(request);
    const report = await findReport(ctx, (request.params as { id: string }).id);
    return renderAdminReport(ctx, staff.account.id, await run(staff, report, request));
  };
  const update = change((staff, report, request) => {
    const input = params(request);
    return updateReport(ctx, staff, report, { category: text(input.category), ruleIds: input.rule_ids === undefined ? undefined : listParam(input.rule_ids) });
  });
  app.put(`${PATH}/:id`, write, update);
  app.patch(`${PATH}/:id`, write, update);
  app.post(
    `${PATH}/:id/assign_to_self`,
    write,
    change((staff, report) => assignReportToSelf(ctx, staff, report)),
  );
  app.post(
    `${PATH}/:id/unassign`,
    write,
    change((staff, report) => unassignReport(ctx, staff, report)),
  );
  app.post(
    `${PATH}/:id/resolve`,
    write,
    change((staff, report) => resolveReport(ctx, staff, report)),
  );
  app.post(
    `${PATH}/:id/reopen`,
    write,
    change((staff, report) => reopenReport(ctx, staff, report)),
  );
}
