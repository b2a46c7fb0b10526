import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { dashboardCounts } from '../../../services/moderation/staff-dashboard.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffView } from './staff-page.ts';

/** `/admin/dashboard` (Admin::DashboardController): what waits for staff, and the week's sign-ups and activity. */
export function staffDashboardRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/admin', (_request, reply) => reply.redirect('/admin/dashboard', 302));
  app.get('/admin/dashboard', (request, reply) =>
    staffView(ctx, request, reply, PERMISSIONS.viewDashboard, async (staff) => {
      const counts = await dashboardCounts(ctx);
      const body = html`<dl class="counts">
<div><dt><a href="/admin/reports">Open reports</a></dt><dd>${counts.openReports}</dd></div>
<div><dt><a href="/admin/accounts?status=pending">Pending sign-ups</a></dt><dd>${counts.pendingSignUps}</dd></div>
<div><dt>New sign-ups this week</dt><dd>${counts.newUsersThisWeek}</dd></div>
<div><dt>Active users this week</dt><dd>${counts.activeUsersThisWeek}</dd></div>
</dl>`;
      return renderStaffPage(ctx, reply, staff, 'Dashboard', body);
    }),
  );
}
