import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../../context.ts';
import { PERMISSIONS } from '../../../../lib/user-roles.ts';
import { renderAccountsById } from '../../../../presenters/accounts.ts';
import { listStaffActions } from '../../../../services/moderation/audit-log.ts';
import { params, text } from '../../../plugins/params.ts';
import { adminGuard, adminPage } from './guard.ts';

const PATH = '/api/v1/admin/action_logs';
const LIMIT = 40;
const read = { preHandler: adminGuard(['admin:read'], PERMISSIONS.viewAuditLog) };

/**
 * The audit log for the staff web interface (Mastodon shows it at /admin/action_logs, with no
 * API): each staff action with who did it, newest first, filtered by `account_id`, or by
 * `target_type` and `target_id`.
 */
export function adminActionLogsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(PATH, read, async (request, reply) => {
    const input = params(request);
    const filter = { accountId: text(input.account_id) || undefined, targetType: text(input.target_type) || undefined, targetId: text(input.target_id) || undefined };
    const rows = await adminPage(ctx.config, request, reply, { path: PATH, limit: LIMIT, load: (page) => listStaffActions(ctx, page, filter), render: (row) => row });
    const staff = await renderAccountsById(
      ctx,
      rows.flatMap((row) => row.accountId ?? []),
    );
    return rows.map((row) => ({
      id: row.id,
      action: row.action,
      target_type: row.targetType,
      target_id: row.targetId,
      summary: row.summary,
      created_at: row.createdAt.toISOString(),
      account: row.accountId ? (staff.get(row.accountId) ?? null) : null,
    }));
  });
}
