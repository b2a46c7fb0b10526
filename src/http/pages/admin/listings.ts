import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { listedCustomEmojis } from '../../../services/emojis/custom-emojis.ts';
import { allAnnouncements } from '../../../services/instance/announcements.ts';
import { day } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffView } from './staff-page.ts';

/**
 * Announcements and custom emoji, listed for staff: both are made and changed with the command
 * line (`subspace announcements …`, `subspace emoji …`), which these pages point to.
 */
export function staffListingRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/admin/announcements', (request, reply) =>
    staffView(ctx, request, reply, PERMISSIONS.manageAnnouncements, async (staff) => {
      const rows = await allAnnouncements(ctx);
      const body = html`<p class="hint">Announcements are written and published with <code>subspace announcements</code> on the server.</p>
${rows.length ? html`<table><thead><tr><th scope="col">Text</th><th scope="col">State</th><th scope="col">Starts</th><th scope="col">Ends</th></tr></thead><tbody>${rows.map((row) => html`<tr><td>${row.text}</td><td>${row.published ? `published ${day(row.publishedAt)}` : row.scheduledAt ? `scheduled for ${day(row.scheduledAt)}` : 'draft'}</td><td>${day(row.startsAt)}</td><td>${day(row.endsAt)}</td></tr>`)}</tbody></table>` : html`<p>No announcements.</p>`}`;
      return renderStaffPage(ctx, reply, staff, 'Announcements', body);
    }),
  );
  app.get('/admin/custom_emojis', (request, reply) =>
    staffView(ctx, request, reply, PERMISSIONS.manageCustomEmojis, async (staff) => {
      const rows = await listedCustomEmojis(ctx);
      const body = html`<p class="hint">Custom emoji are imported, changed and removed with <code>subspace emoji</code> on the server. These are the ones in the picker.</p>
${rows.length ? html`<ul>${rows.map((row) => html`<li><code>:${row.shortcode}:</code>${row.category ? ` (${row.category})` : ''}</li>`)}</ul>` : html`<p>No custom emoji.</p>`}`;
      return renderStaffPage(ctx, reply, staff, 'Custom emoji', body);
    }),
  );
}
