import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ApiError } from '../../lib/errors.ts';
import { humanSize } from '../../lib/human-size.ts';
import { backupsOf, findOwnBackup, mayRequestBackup, requestBackup } from '../../services/exports/backups.ts';
import { EXPORTS, exportCounts, exportCsv, isExportName } from '../../services/exports/export-csv.ts';
import { params } from '../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../plugins/session.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { renderPage, signedIn } from './member-page.ts';

/**
 * Mastodon's data export, a web page only: `/settings/export` counts what the member has, links
 * each CSV (`/settings/exports/follows.csv`, `lists.csv`, `blocks.csv`, `mutes.csv`,
 * `domain_blocks.csv`, `bookmarks.csv`, in Mastodon's formats) and lists the account archives;
 * `POST /settings/export` asks for an archive (once a week), built by the BackupWorker job;
 * `/backups/:id/download` hands a built archive to its owner only.
 */
const EXPORT_PATH = '/settings/export';

const when = (date: Date) => html`<time datetime="${date.toISOString()}">${date.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`;
const number = (value: number) => value.toLocaleString('en-US');

async function exportPage(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, session: { account: { id: string }; user: { id: string } }, status = 200, error?: string) {
  const [counts, archives, allowed] = await Promise.all([exportCounts(ctx, session.account.id), backupsOf(ctx, session.user.id), mayRequestBackup(ctx, session.user.id)]);
  const csrf = csrfToken(ctx, request, reply);
  const row = (label: string, count: string, link?: SafeHtml) => html`<tr><th scope="row">${label}</th><td>${count}</td><td>${link ?? ''}</td></tr>`;
  const csvLink = (name: keyof typeof EXPORTS) => html`<a href="/settings/exports/${name}.csv" download="${EXPORTS[name].filename}">CSV</a>`;
  const body = html`${error ? html`<div class="error" role="alert"><p>${error}</p></div>` : ''}
<table class="exports"><tbody>
${row('Media storage', humanSize(counts.storage))}
${row('You follow', number(counts.follows), csvLink('follows'))}
${row('Lists', number(counts.lists), csvLink('lists'))}
${row('Followers', number(counts.followers))}
${row('You block', number(counts.blocks), csvLink('blocks'))}
${row('You mute', number(counts.mutes), csvLink('mutes'))}
${row('Domain blocks', number(counts.domain_blocks), csvLink('domain_blocks'))}
${row('Bookmarks', number(counts.bookmarks), csvLink('bookmarks'))}
</tbody></table>
<h2>Archive</h2>
<p>You can request an archive of your <strong>posts and uploaded media</strong>. The exported data will be in the ActivityPub format, readable by any compliant software. You can request an archive every 7 days.</p>
${
  allowed
    ? html`<form method="post" action="${EXPORT_PATH}"><input type="hidden" name="authenticity_token" value="${csrf}"><button type="submit">Request your archive</button></form>`
    : html`<p class="hint">You requested an archive within the last 7 days.</p>`
}
${
  archives.length
    ? html`<table class="archives"><thead><tr><th scope="col">Date</th><th scope="col">Size</th><th scope="col"><span class="visually-hidden">Download</span></th></tr></thead><tbody>
${archives.map((archive) =>
  archive.processed
    ? html`<tr><td>${when(archive.createdAt)}</td><td>${humanSize(archive.dumpFileSize ?? 0)}</td><td><a href="/backups/${archive.id}/download">Download your archive</a></td></tr>`
    : html`<tr><td>${when(archive.createdAt)}</td><td colspan="2">Compiling your archive...</td></tr>`,
)}
</tbody></table>`
    : ''
}
<p><a href="/settings/imports">Import data</a></p>`;
  return renderPage(ctx, reply, status, 'Export', body);
}

export function settingsExportRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(EXPORT_PATH, async (request, reply) => {
    const session = await signedIn(ctx, request, reply, EXPORT_PATH);
    if (session) return exportPage(ctx, request, reply, session);
  });

  app.post(EXPORT_PATH, async (request, reply) => {
    verifyCsrf(ctx, request, params(request).authenticity_token);
    const session = await signedIn(ctx, request, reply, EXPORT_PATH);
    if (!session) return;
    try {
      await requestBackup(ctx, session.user.id);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 403) return exportPage(ctx, request, reply, session, 403, error.message);
      throw error;
    }
    return reply.redirect(EXPORT_PATH, 303);
  });

  app.get('/settings/exports/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const name = file.replace(/\.csv$/, '');
    if (!isExportName(name)) return renderPage(ctx, reply, 404, 'Not found', html`<p>There is no such export.</p>`);
    const session = await signedIn(ctx, request, reply, `/settings/exports/${name}.csv`);
    if (!session) return;
    const { filename, csv } = await exportCsv(ctx, session.account.id, name);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'private, no-store').send(csv);
  });

  app.get('/backups/:id/download', async (request, reply) => {
    const { id } = request.params as { id: string };
    const session = await signedIn(ctx, request, reply, `/backups/${encodeURIComponent(id)}/download`);
    if (!session) return;
    let backup: Awaited<ReturnType<typeof findOwnBackup>>;
    try {
      backup = await findOwnBackup(ctx, session.user.id, id);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) return renderPage(ctx, reply, 404, 'Not found', html`<p>There is no such archive.</p>`);
      throw error;
    }
    const stream = await ctx.storage.get(backup.dumpFileKey!);
    if (!stream) return renderPage(ctx, reply, 404, 'Not found', html`<p>The archive is no longer available.</p>`);
    reply.type('application/zip').header('content-disposition', `attachment; filename="${backup.dumpFileName}"`).header('cache-control', 'private, no-store');
    if (backup.dumpFileSize) reply.header('content-length', backup.dumpFileSize);
    return reply.send(stream);
  });
}
