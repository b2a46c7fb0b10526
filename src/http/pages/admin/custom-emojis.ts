import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { notFound } from '../../../lib/errors.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { serializeCustomEmoji } from '../../../serializers/custom-emoji.ts';
import { InvalidEmojiError } from '../../../services/emojis/emoji-images.ts';
import { deleteLocalEmoji, localEmojis, modifyLocalEmoji, saveLocalEmoji, type LocalEmojiChanges } from '../../../services/emojis/local-emojis.ts';
import { recordStaffAction } from '../../../services/moderation/audit-log.ts';
import { text } from '../../plugins/params.ts';
import { buttonForm } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffForm, staffView, type StaffPage } from './staff-page.ts';

const PATH = '/admin/custom_emojis';
const shortcodeOf = (request: FastifyRequest) => (request.params as { shortcode: string }).shortcode;

type FilePart = { type?: string; filename?: string; toBuffer?: () => Promise<Buffer> } | undefined;

async function listPage(ctx: AppContext, reply: FastifyReply, staff: StaffPage, problem?: string, values: Record<string, unknown> = {}) {
  const rows = await localEmojis(ctx);
  const csrf = html`<input type="hidden" name="authenticity_token" value="${staff.csrf}">`;
  const body = html`${
    rows.length
      ? html`<table><thead><tr><th scope="col">Emoji</th><th scope="col">Shortcode</th><th scope="col">Category</th><th scope="col">Picker</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>${rows.map(
          (row) => {
            const action = `${PATH}/${row.shortcode}`;
            return html`<tr><td><img src="${serializeCustomEmoji(ctx, row).static_url}" alt=":${row.shortcode}:" width="32" height="32"></td><td><code>:${row.shortcode}:</code></td>
<td><form class="inline" method="post" action="${action}/category">${csrf}<label for="category-${row.id}">Category</label><input id="category-${row.id}" type="text" name="category" value="${row.category ?? ''}"><button type="submit">Save category</button></form></td>
<td>${row.visibleInPicker ? 'Listed' : 'Unlisted'} ${buttonForm(`${action}/${row.visibleInPicker ? 'unlist' : 'list'}`, staff.csrf, row.visibleInPicker ? 'Unlist' : 'List', { secondary: true })}</td>
<td>${row.disabled ? 'Disabled' : 'Enabled'} ${buttonForm(`${action}/${row.disabled ? 'enable' : 'disable'}`, staff.csrf, row.disabled ? 'Enable' : 'Disable', { secondary: true })}</td>
<td>${buttonForm(`${action}/delete`, staff.csrf, 'Delete', { secondary: true })}</td></tr>`;
          },
        )}</tbody></table>`
      : html`<p>No custom emoji.</p>`
  }
<section aria-labelledby="new-emoji-heading"><h2 id="new-emoji-heading">Upload a custom emoji</h2>
${problem ? html`<div class="error" role="alert"><p>${problem}</p></div>` : ''}
<form method="post" action="${PATH}" enctype="multipart/form-data">${csrf}
<label for="emoji-shortcode">Shortcode (letters, digits and underscores, at least 2)</label><input id="emoji-shortcode" type="text" name="shortcode" pattern="[a-zA-Z0-9_]{2,}" value="${text(values.shortcode) ?? ''}" required>
<label for="emoji-category">Category (optional)</label><input id="emoji-category" type="text" name="category" value="${text(values.category) ?? ''}">
<label for="emoji-image">Image (PNG or GIF, up to 256 KB)</label><input id="emoji-image" type="file" name="image" accept="image/png,image/gif" required>
<button type="submit">Upload</button></form></section>`;
  return renderStaffPage(ctx, reply, staff, 'Custom emoji', body, problem ? 422 : 200);
}

/**
 * `/admin/custom_emojis` (Admin::CustomEmojisController): the local emoji with their image; upload
 * one, enable or disable it, list or unlist it in the picker, set its category, delete it. The
 * same services as `subspace emoji`, which forget the cached picker list.
 */
export function staffCustomEmojisRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageCustomEmojis;

  app.get(PATH, (request, reply) => staffView(ctx, request, reply, permission, (staff) => listPage(ctx, reply, staff)));

  // as staffAction, but a refused upload shows the form again with the reason (Rails' `render :new`, 422)
  app.post(PATH, async (request, reply) => {
    const form = await staffForm(ctx, request, reply, permission);
    if (!form) return;
    const { staff, input } = form;
    const shortcode = text(input.shortcode)?.trim() ?? '';
    const file = input.image as FilePart;
    const refuse = (problem: string) => listPage(ctx, reply, staff, problem, input);
    if (!shortcode) return refuse("Shortcode can't be blank");
    if (file?.type !== 'file' || !file.toBuffer) return refuse("Image can't be blank");
    try {
      const outcome = await saveLocalEmoji(ctx, { shortcode, bytes: await file.toBuffer(), category: text(input.category) });
      if (outcome === 'exists') return refuse('Shortcode has already been taken');
    } catch (error) {
      if (error instanceof InvalidEmojiError) return refuse(error.message);
      throw error;
    }
    await recordStaffAction(ctx, { accountId: staff.account.id, action: 'create', targetType: 'CustomEmoji', targetId: null, summary: `uploaded custom emoji :${shortcode}:` });
    return reply.redirect(PATH, 303);
  });

  const change = (verb: string, summary: string, changes: (input: Record<string, unknown>) => LocalEmojiChanges) =>
    app.post(`${PATH}/:shortcode/${verb}`, (request, reply) =>
      staffAction(ctx, request, reply, permission, async (staff, input) => {
        const updated = await modifyLocalEmoji(ctx, shortcodeOf(request), changes(input));
        if (!updated) throw notFound();
        await recordStaffAction(ctx, {
          accountId: staff.account.id,
          action: verb === 'category' ? 'update' : verb,
          targetType: 'CustomEmoji',
          targetId: updated.id,
          summary: `${summary} :${updated.shortcode}:`,
        });
        return PATH;
      }),
    );
  change('enable', 'enabled custom emoji', () => ({ disabled: false }));
  change('disable', 'disabled custom emoji', () => ({ disabled: true }));
  change('list', 'listed in the picker custom emoji', () => ({ visibleInPicker: true }));
  change('unlist', 'unlisted from the picker custom emoji', () => ({ visibleInPicker: false }));
  change('category', 'changed the category of custom emoji', (input) => ({ category: text(input.category) ?? null }));

  app.post(`${PATH}/:shortcode/delete`, (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff) => {
      const shortcode = shortcodeOf(request);
      if (!(await deleteLocalEmoji(ctx, shortcode))) throw notFound();
      await recordStaffAction(ctx, { accountId: staff.account.id, action: 'destroy', targetType: 'CustomEmoji', targetId: null, summary: `deleted custom emoji :${shortcode}:` });
      return PATH;
    }),
  );
}
