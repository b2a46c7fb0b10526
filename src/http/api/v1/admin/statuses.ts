import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { PERMISSIONS } from '../../../../services/accounts/roles.ts';
import type { Staff } from '../../../../services/moderation/account-actions.ts';
import { deleteStatusAsStaff, findStatusForStaff, performStatusAction, unsensitizeStatus } from '../../../../services/moderation/status-actions.ts';
import { renderStatus } from '../../../../presenters/statuses.ts';
import { ApiError } from '../../../../lib/errors.ts';
import { currentUser } from '../../../plugins/auth.ts';
import { params, railsBoolean, text } from '../../../plugins/params.ts';
import { adminGuard } from './guard.ts';

const PATH = '/api/v1/admin/statuses';
const read = { preHandler: adminGuard(['admin:read', 'admin:read:statuses'], PERMISSIONS.manageReports) };
const write = { preHandler: adminGuard(['admin:write', 'admin:write:statuses'], PERMISSIONS.manageReports) };

const staffOf = (request: FastifyRequest): Staff => {
  const { account, user } = currentUser(request);
  return { account, user };
};
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

/** Api::V1::Admin::StatusesController and StatusActionsController: one status, seen and acted on by staff who handle reports. */
export function adminStatusesRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(`${PATH}/:id`, read, async (request) => renderStatus(ctx, await findStatusForStaff(ctx, idOf(request)), { viewerId: staffOf(request).account.id }));

  // the status as it was, as when its author deletes it
  app.delete(`${PATH}/:id`, write, async (request) => {
    const status = await findStatusForStaff(ctx, idOf(request));
    const rendered = await renderStatus(ctx, status, { viewerId: staffOf(request).account.id });
    await deleteStatusAsStaff(ctx, staffOf(request), status);
    return rendered;
  });

  app.post(`${PATH}/:id/unsensitive`, write, async (request) =>
    renderStatus(ctx, await unsensitizeStatus(ctx, staffOf(request), await findStatusForStaff(ctx, idOf(request))), { viewerId: staffOf(request).account.id }),
  );

  // delete or sensitive, with a strike (Admin::StatusBatchAction for one status)
  app.post(`${PATH}/:id/action`, write, async (request) => {
    const status = await findStatusForStaff(ctx, idOf(request));
    const input = params(request);
    const type = text(input.type);
    if (type !== 'delete' && type !== 'sensitive') throw new ApiError(422, 'Validation failed: Type is not included in the list');
    await performStatusAction(ctx, staffOf(request), {
      type,
      statusIds: [status.id],
      reportId: text(input.report_id) || undefined,
      text: text(input.text),
      sendEmailNotification: railsBoolean(input.send_email_notification) === true,
    });
    return {};
  });
}
