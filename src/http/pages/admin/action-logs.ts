import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { renderAccountsById } from '../../../presenters/accounts.ts';
import { listStaffActions } from '../../../services/moderation/audit-log.ts';
import { html } from '../../views/html.ts';
import { olderEntriesLink, renderStaffPage, staffListPage, staffView } from './staff-page.ts';

const LIMIT = 100;

/** `/admin/action_logs` (Admin::ActionLogsController): who did what, newest first; `max_id` pages back. */
export function staffActionLogsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/admin/action_logs', (request, reply) =>
    staffView(ctx, request, reply, PERMISSIONS.viewAuditLog, async (staff) => {
      const rows = await listStaffActions(ctx, staffListPage(request, LIMIT));
      const people = await renderAccountsById(
        ctx,
        rows.flatMap((row) => row.accountId ?? []),
      );
      const who = (id: string | null) => {
        const account = id ? people.get(id) : undefined;
        return account ? html`<a href="/admin/accounts/${account.id}">@${account.acct}</a>` : 'the system';
      };
      const body = rows.length
        ? html`<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th></tr></thead><tbody>${rows.map((row) => html`<tr><td><time datetime="${row.createdAt.toISOString()}">${row.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</time></td><td>${who(row.accountId)}</td><td>${row.summary}</td></tr>`)}</tbody></table>
${olderEntriesLink(request, rows, LIMIT)}`
        : html`<p>Nothing was done yet.</p>`;
      return renderStaffPage(ctx, reply, staff, 'Audit log', body);
    }),
  );
}
