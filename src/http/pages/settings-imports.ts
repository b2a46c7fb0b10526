import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ApiError } from '../../lib/errors.ts';
import { type BulkImportRecord, confirmImport, createImport, discardImport, findOwnImport, importFailures, recentImports } from '../../services/imports/bulk-imports.ts';
import { type ImportType, isImportType, TYPE_LABELS } from '../../services/imports/import-types.ts';
import { ImportFileError } from '../../services/imports/parse-import.ts';
import type { AccountRow } from '../../services/oauth/authenticate-token.ts';
import { params, text } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { renderPage, signedIn } from './member-page.ts';

/**
 * Mastodon 4.2's CSV import, a web page only: `/settings/imports` takes a file of one type
 * (follows, blocks, mutes, domain blocks, bookmarks, lists) in merge or overwrite mode and lists
 * the recent imports with their progress; an upload is first shown for confirmation at
 * `/settings/imports/:id` (`POST …/confirm` queues it, `_method=delete` drops it), then worked
 * through in the `pull` queue; `/settings/imports/:id/failures.csv` gives back the rows that failed.
 */
const IMPORTS_PATH = '/settings/imports';

const STATES: Record<string, string> = { unconfirmed: 'Unconfirmed', scheduled: 'Scheduled', in_progress: 'In progress', finished: 'Finished' };
const GROUPS: [string, ImportType[]][] = [
  ['Follows & Bookmarks', ['following', 'bookmarks', 'lists']],
  ['Blocks & mutes', ['muting', 'blocking', 'domain_blocking']],
];
const TITLES: Record<ImportType, string> = {
  following: 'Importing followed accounts',
  blocking: 'Importing blocked accounts',
  muting: 'Importing muted accounts',
  domain_blocking: 'Importing blocked domains',
  bookmarks: 'Importing bookmarks',
  lists: 'Importing lists',
};

/** What confirming will do (Mastodon's `imports.preambles` and `imports.overwrite_preambles`). */
function preamble(bulkImport: BulkImportRecord): SafeHtml {
  const file = html`<strong>${bulkImport.originalFilename}</strong>`;
  const n = (what: string) => html`<strong>${bulkImport.totalItems} ${what}</strong>`;
  const type = bulkImport.type as ImportType;
  if (bulkImport.overwrite) {
    switch (type) {
      case 'following':
        return html`You are about to <strong>replace your following list</strong> with up to ${n('accounts')} from ${file}.`;
      case 'blocking':
        return html`You are about to <strong>replace your block list</strong> with up to ${n('accounts')} from ${file}.`;
      case 'muting':
        return html`You are about to <strong>replace your list of muted accounts</strong> with up to ${n('accounts')} from ${file}.`;
      case 'domain_blocking':
        return html`You are about to <strong>replace your list of blocked domains</strong> with up to ${n('domains')} from ${file}.`;
      case 'bookmarks':
        return html`You are about to <strong>replace your bookmarks</strong> with up to ${n('posts')} from ${file}.`;
      default:
        return html`You are about to <strong>replace your lists</strong> with the contents of ${file}. Up to ${n('accounts')} will be added to new lists.`;
    }
  }
  switch (type) {
    case 'following':
      return html`You are about to <strong>follow</strong> up to ${n('accounts')} from ${file}.`;
    case 'blocking':
      return html`You are about to <strong>block</strong> up to ${n('accounts')} from ${file}.`;
    case 'muting':
      return html`You are about to <strong>mute</strong> up to ${n('accounts')} from ${file}.`;
    case 'domain_blocking':
      return html`You are about to <strong>block</strong> up to ${n('domains')} from ${file}.`;
    case 'bookmarks':
      return html`You are about to add up to ${n('posts')} from ${file} to your <strong>bookmarks</strong>.`;
    default:
      return html`You are about to add up to ${n('accounts')} from ${file} to your <strong>lists</strong>. New lists will be created if there is no list to add to.`;
  }
}

interface FormValues {
  type?: string;
  mode?: string;
}

async function importsPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, account: AccountRow, status = 200, error?: string, form: FormValues = {}) {
  const csrf = csrfToken(ctx, request, reply);
  const imports = await recentImports(ctx, account.id);
  const mode = form.mode === 'overwrite' ? 'overwrite' : 'merge';
  const modeOption = (value: string, label: string, hint: string) =>
    html`<li><label><input type="radio" name="form_import[mode]" value="${value}"${mode === value ? html` checked` : ''}> ${label} <span class="hint">${hint}</span></label></li>`;
  const failed = (row: BulkImportRecord) => {
    const count = row.processedItems - row.importedItems;
    if (count <= 0) return '';
    return row.state === 'finished' ? html`<a href="${IMPORTS_PATH}/${row.id}/failures.csv">${count}</a>` : String(count);
  };
  return renderPage(
    ctx,
    reply,
    status,
    'Import',
    html`${error ? html`<div class="error" role="alert"><p>${error}</p></div>` : ''}
<form method="post" action="${IMPORTS_PATH}" enctype="multipart/form-data">
<input type="hidden" name="authenticity_token" value="${csrf}">
<label for="import_type">Import type</label>
<select id="import_type" name="form_import[type]">${GROUPS.map(
      ([label, types]) => html`<optgroup label="${label}">${types.map((type) => html`<option value="${type}"${form.type === type ? html` selected` : ''}>${TYPE_LABELS[type]}</option>`)}</optgroup>`,
    )}</select>
<p class="hint">You can import data that you have exported from another server, such as a list of the people you are following or blocking.</p>
<label for="import_data">Data</label>
<input id="import_data" type="file" name="form_import[data]" accept=".csv,text/csv" required>
<p class="hint">CSV file exported from another Mastodon server</p>
<fieldset><legend>Mode</legend><ul>
${modeOption('merge', 'Merge', 'Keep existing records and add new ones')}
${modeOption('overwrite', 'Overwrite', 'Replace current records with the new ones')}
</ul></fieldset>
<button type="submit">Upload</button>
</form>
${
  imports.length
    ? html`<h2>Recent imports</h2>
<table class="imports"><thead><tr><th scope="col">Import type</th><th scope="col">Status</th><th scope="col">Imported</th><th scope="col">Started at</th><th scope="col">Failures</th></tr></thead><tbody>
${imports.map(
  (row) =>
    html`<tr data-import="${row.id}"><td>${TYPE_LABELS[row.type as ImportType] ?? row.type}</td><td>${row.state === 'unconfirmed' ? html`<a href="${IMPORTS_PATH}/${row.id}">${STATES[row.state]}</a>` : STATES[row.state]}</td><td class="progress">${row.importedItems} / ${row.totalItems}</td><td><time datetime="${row.createdAt.toISOString()}">${row.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</time></td><td class="failures">${failed(row)}</td></tr>`,
)}
</tbody></table>`
    : ''
}
<p><a href="/settings/export">Export data</a></p>`,
  );
}

type FilePart = { type?: string; filename?: string; toBuffer?: () => Promise<Buffer> } | undefined;

const notFoundPage = (ctx: AppContext, reply: FastifyReply) => renderPage(ctx, reply, 404, 'Not found', html`<p>There is no such import.</p>`);

/** Runs `action`, answering a 404 page for an import that is not the member's (or not in the state the action needs). */
async function orNotFound<T>(ctx: AppContext, reply: FastifyReply, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 404) {
      await notFoundPage(ctx, reply);
      return undefined;
    }
    throw error;
  }
}

export function settingsImportRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(IMPORTS_PATH, async (request, reply) => {
    const session = await signedIn(ctx, request, reply, IMPORTS_PATH);
    if (session) return importsPage(ctx, request, reply, session.account);
  });

  app.post(IMPORTS_PATH, async (request, reply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const session = await signedIn(ctx, request, reply, IMPORTS_PATH);
    if (!session) return;
    const form = (input.form_import && typeof input.form_import === 'object' ? input.form_import : {}) as Record<string, unknown>;
    const values: FormValues = { type: text(form.type), mode: text(form.mode) };
    const file = input['form_import[data]'] as FilePart;
    const refuse = (message: string) => importsPage(ctx, request, reply, session.account, 422, message, values);
    if (!isImportType(values.type)) return refuse(values.type ? 'Import type is not included in the list' : "Import type can't be blank");
    if (values.mode !== undefined && values.mode !== 'merge' && values.mode !== 'overwrite') return refuse('Mode is not included in the list');
    if (file?.type !== 'file' || !file.toBuffer) return refuse("Data can't be blank");
    try {
      const created = await createImport(ctx, session.account, { type: values.type, overwrite: values.mode === 'overwrite', filename: file.filename ?? '', bytes: await file.toBuffer() });
      return reply.redirect(`${IMPORTS_PATH}/${created.id}`, 303);
    } catch (error) {
      if (error instanceof ImportFileError) return refuse(`Data ${error.message}`);
      throw error;
    }
  });

  app.get(`${IMPORTS_PATH}/:id`, async (request, reply) => {
    const { id } = request.params as { id: string };
    const session = await signedIn(ctx, request, reply, IMPORTS_PATH);
    if (!session) return;
    const bulkImport = await orNotFound(ctx, reply, () => findOwnImport(ctx, session.account.id, id, ['unconfirmed']));
    if (!bulkImport) return;
    const csrf = csrfToken(ctx, request, reply);
    const type = bulkImport.type as ImportType;
    return renderPage(
      ctx,
      reply,
      200,
      TITLES[type],
      html`${bulkImport.likelyMismatched ? html`<div class="warning" role="alert"><p>It appears you may have selected the wrong type for this import, please double-check.</p></div>` : ''}
<p class="hint">${preamble(bulkImport)}</p>
<form method="post" action="${IMPORTS_PATH}/${bulkImport.id}"><input type="hidden" name="authenticity_token" value="${csrf}"><input type="hidden" name="_method" value="delete"><button class="secondary" type="submit">Cancel</button></form>
<form method="post" action="${IMPORTS_PATH}/${bulkImport.id}/confirm"><input type="hidden" name="authenticity_token" value="${csrf}"><button type="submit">Confirm</button></form>`,
    );
  });

  app.post(`${IMPORTS_PATH}/:id/confirm`, async (request, reply) => {
    verifyCsrf(ctx, request, params(request).authenticity_token);
    const { id } = request.params as { id: string };
    const session = await signedIn(ctx, request, reply, IMPORTS_PATH);
    if (!session) return;
    if ((await orNotFound(ctx, reply, () => confirmImport(ctx, session.account.id, id).then(() => true))) === undefined) return;
    return reply.redirect(IMPORTS_PATH, 303);
  });

  // Rails' `method: :delete` link: a POST with `_method=delete` (or a DELETE)
  const discard = async (request: FastifyRequest, reply: FastifyReply) => {
    const input = params(request);
    verifyCsrf(ctx, request, input.authenticity_token);
    const { id } = request.params as { id: string };
    const session = await signedIn(ctx, request, reply, IMPORTS_PATH);
    if (!session) return;
    if ((await orNotFound(ctx, reply, () => discardImport(ctx, session.account.id, id).then(() => true))) === undefined) return;
    return reply.redirect(IMPORTS_PATH, 303);
  };
  app.post(`${IMPORTS_PATH}/:id`, discard);
  app.delete(`${IMPORTS_PATH}/:id`, discard);

  app.get(`${IMPORTS_PATH}/:id/:file`, async (request, reply) => {
    const { id, file } = request.params as { id: string; file: string };
    if (file !== 'failures' && file !== 'failures.csv') return notFoundPage(ctx, reply);
    const session = await signedIn(ctx, request, reply, IMPORTS_PATH);
    if (!session) return;
    const failures = await orNotFound(ctx, reply, () => importFailures(ctx, session.account.id, id));
    if (!failures) return;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${failures.filename}"`).header('cache-control', 'private, no-store').send(failures.csv);
  });
}
