import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { createWarningPreset, listWarningPresets, removeWarningPreset, updateWarningPreset } from '../../../services/moderation/warning-presets.ts';
import { text } from '../../plugins/params.ts';
import { buttonForm } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffView } from './staff-page.ts';

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const presetInput = (input: Record<string, unknown>) => ({ title: text(input.title) ?? '', text: text(input.text) ?? '' });

/** `/admin/warning_presets` (Admin::WarningPresetsController): texts a warning may start from, offered in the "take action" forms. */
export function staffWarningPresetsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageSettings;

  app.get('/admin/warning_presets', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const presets = await listWarningPresets(ctx);
      const csrf = html`<input type="hidden" name="authenticity_token" value="${staff.csrf}">`;
      const body = html`${
        presets.length
          ? html`<ul class="warning-presets">${presets.map(
              (preset) => html`<li><form method="post" action="/admin/warning_presets/${preset.id}">${csrf}
<label for="preset-${preset.id}-title">Title</label><input id="preset-${preset.id}-title" type="text" name="title" value="${preset.title}">
<label for="preset-${preset.id}-text">Text</label><textarea id="preset-${preset.id}-text" name="text" rows="3" required>${preset.text}</textarea>
<button type="submit">Save preset</button></form>${buttonForm(`/admin/warning_presets/${preset.id}/delete`, staff.csrf, 'Delete preset', { secondary: true })}</li>`,
            )}</ul>`
          : html`<p>There are no warning presets yet.</p>`
      }
<section aria-labelledby="new-preset-heading"><h2 id="new-preset-heading">Add a preset</h2>
<form method="post" action="/admin/warning_presets">${csrf}
<label for="new-preset-title">Title (optional)</label><input id="new-preset-title" type="text" name="title">
<label for="new-preset-text">Text</label><textarea id="new-preset-text" name="text" rows="3" required></textarea>
<button type="submit">Add preset</button></form></section>`;
      return renderStaffPage(ctx, reply, staff, 'Warning presets', body);
    }),
  );
  app.post('/admin/warning_presets', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      await createWarningPreset(ctx, staff.account.id, presetInput(input));
      return '/admin/warning_presets';
    }),
  );
  app.post('/admin/warning_presets/:id', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      await updateWarningPreset(ctx, staff.account.id, idOf(request), presetInput(input));
      return '/admin/warning_presets';
    }),
  );
  app.post('/admin/warning_presets/:id/delete', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff) => {
      await removeWarningPreset(ctx, staff.account.id, idOf(request));
      return '/admin/warning_presets';
    }),
  );
}
