import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { deleteDeadJob, queueOverview, retryDeadJob } from '../../../services/instance/job-queues.ts';
import { text } from '../../plugins/params.ts';
import { buttonForm } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffView } from './staff-page.ts';

/** `/admin/jobs`: the job queues (Mastodon links its Sidekiq web UI for view_devops): sizes, and the dead jobs to retry or delete. */
export function staffJobsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.viewDevops;
  app.get('/admin/jobs', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const overview = await queueOverview(ctx);
      const body = html`<table><caption>Queues</caption><thead><tr><th scope="col">Queue</th><th scope="col">Waiting or retrying</th><th scope="col">Dead</th></tr></thead>
<tbody>${overview.queues.map((queue) => html`<tr><td>${queue.name}</td><td>${queue.waiting}</td><td>${queue.dead}</td></tr>`)}</tbody></table>
<section aria-labelledby="dead-heading"><h2 id="dead-heading">Dead jobs</h2>${
        overview.dead.length
          ? html`<table><thead><tr><th scope="col">Job</th><th scope="col">Queue</th><th scope="col">Tries</th><th scope="col">Error</th><th scope="col">Failed</th><th scope="col"></th></tr></thead><tbody>${overview.dead.map(
              (job) =>
                html`<tr><td>${job.name}</td><td>${job.queue}</td><td>${job.attempt}</td><td>${job.error.slice(0, 300)}</td><td>${job.failedAt.toISOString().slice(0, 16).replace('T', ' ')}</td><td>${buttonForm('/admin/jobs/retry', staff.csrf, `Retry ${job.name}`, { fields: { id: job.id } })}${buttonForm('/admin/jobs/delete', staff.csrf, `Delete ${job.name}`, { secondary: true, fields: { id: job.id } })}</td></tr>`,
            )}</tbody></table>`
          : html`<p>No dead jobs.</p>`
      }</section>`;
      return renderStaffPage(ctx, reply, staff, 'Job queues', body);
    }),
  );
  app.post('/admin/jobs/retry', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (_staff, input) => {
      await retryDeadJob(ctx, text(input.id) ?? '');
      return '/admin/jobs';
    }),
  );
  app.post('/admin/jobs/delete', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (_staff, input) => {
      await deleteDeadJob(ctx, text(input.id) ?? '');
      return '/admin/jobs';
    }),
  );
}
