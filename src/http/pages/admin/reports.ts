import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS, hasPermission } from '../../../lib/user-roles.ts';
import { renderAdminReport, renderAdminReports } from '../../../presenters/admin-reports.ts';
import { findAccountForStaff, performAccountAction } from '../../../services/moderation/account-actions.ts';
import { assignReportToSelf, filterReports, findReport, reopenReport, resolveReport, unassignReport } from '../../../services/moderation/admin-reports.ts';
import { accountActionForm, statusesActionForm } from '../../views/admin/account-action-form.ts';
import { performStatusAction } from '../../../services/moderation/status-actions.ts';
import { addReportNote, deletableNotes, deleteReportNote, reportNotesOf, type StaffNote } from '../../../services/moderation/staff-notes.ts';
import { listWarningPresets, type WarningPresetRow } from '../../../services/moderation/warning-presets.ts';
import { railsBoolean, text } from '../../plugins/params.ts';
import { buttonForm, day } from '../../views/admin/layout.ts';
import { html, SafeHtml } from '../../views/html.ts';
import { staffNotesSection } from '../../views/admin/staff-notes.ts';
import { accountActionInput, olderEntriesLink, renderStaffPage, staffAction, staffListPage, staffView } from './staff-page.ts';

const LIMIT = 40;
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
type AdminReport = Awaited<ReturnType<typeof renderAdminReport>>;
type Person = AdminReport['account'];

const person = (account: Person) => (account ? html`<a href="/admin/accounts/${account.id}">@${account.account.acct}</a>` : html`<em>deleted account</em>`);

function reportRow(report: AdminReport) {
  return html`<tr><td><a href="/admin/reports/${report.id}">#${report.id}</a></td><td>${person(report.target_account)}</td><td>${person(report.account)}</td><td>${report.category}</td><td>${report.comment.slice(0, 120)}</td><td>${report.assigned_account ? person(report.assigned_account) : ''}</td><td>${day(report.created_at)}</td></tr>`;
}

function reportView(report: AdminReport, csrf: string, canActOnAccount: boolean, presets: WarningPresetRow[], notes: { notes: StaffNote[]; deletable: Set<string> }) {
  const base = `/admin/reports/${report.id}`;
  const state = report.action_taken ? html`<p>Resolved ${day(report.action_taken_at)} by ${person(report.action_taken_by_account)}.</p>` : html`<p>Open.</p>`;
  const actions = [
    report.assigned_account ? buttonForm(`${base}/unassign`, csrf, 'Unassign', { secondary: true }) : buttonForm(`${base}/assign_to_self`, csrf, 'Assign to me'),
    report.action_taken ? buttonForm(`${base}/reopen`, csrf, 'Reopen') : buttonForm(`${base}/resolve`, csrf, 'Resolve without action', { secondary: true }),
  ];
  const statuses = report.statuses.length
    ? html`<ul class="reported-statuses">${report.statuses.map((status) => html`<li><div class="status-content">${new SafeHtml(status.content)}</div><p><a href="${status.url ?? status.uri}">Posted ${day(status.created_at)}</a></p></li>`)}</ul>`
    : html`<p>No posts attached.</p>`;
  return html`${state}
<dl class="fields">
<div class="field"><dt>Reported account</dt><dd>${person(report.target_account)}</dd></div>
<div class="field"><dt>Reported by</dt><dd>${person(report.account)}</dd></div>
<div class="field"><dt>Category</dt><dd>${report.category}</dd></div>
${report.rules.length ? html`<div class="field"><dt>Rules broken</dt><dd><ul>${report.rules.map((rule) => html`<li>${rule.text}</li>`)}</ul></dd></div>` : ''}
<div class="field"><dt>Assigned to</dt><dd>${report.assigned_account ? person(report.assigned_account) : 'nobody'}</dd></div>
<div class="field"><dt>Filed</dt><dd>${day(report.created_at)}${report.forwarded ? ' (forwarded)' : ''}</dd></div>
</dl>
<section aria-labelledby="comment-heading"><h2 id="comment-heading">The reporter's comment</h2>${report.comment ? html`<blockquote>${report.comment}</blockquote>` : html`<p>None.</p>`}</section>
<section aria-labelledby="statuses-heading"><h2 id="statuses-heading">Reported posts</h2>${statuses}</section>
${staffNotesSection({ ...notes, csrf, action: `${base}/notes`, submits: [{ label: 'Add note' }, report.action_taken ? { label: 'Add note and reopen', resolve: 'reopen' } : { label: 'Add note and resolve', resolve: 'resolve' }] })}
<section aria-labelledby="report-actions-heading"><h2 id="report-actions-heading">Report</h2>${actions}</section>
${
  canActOnAccount && report.target_account && !report.action_taken
    ? html`<section aria-labelledby="account-action-heading"><h2 id="account-action-heading">Take action on ${person(report.target_account)}</h2><p>The action resolves the report.</p>${accountActionForm(`${base}/action`, csrf, ['none', 'sensitive', 'disable', 'silence', 'suspend'], presets)}</section>`
    : ''
}
${
  report.statuses.length && !report.action_taken
    ? html`<section aria-labelledby="statuses-action-heading"><h2 id="statuses-action-heading">Act on the reported posts</h2><p>The action resolves the report.</p>${statusesActionForm(`${base}/statuses_action`, csrf)}</section>`
    : ''
}`;
}

/** `/admin/reports` (Admin::ReportsController and Admin::ReportNotesController's page): reports, one report, and what staff do with it. */
export function staffReportsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageReports;

  app.get('/admin/reports', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const resolved = (request.query as Record<string, unknown>).resolved === '1';
      const found = await filterReports(ctx, { resolved }, staffListPage(request, LIMIT));
      const rows = await renderAdminReports(ctx, staff.account.id, found);
      const body = html`<p>${resolved ? html`<a href="/admin/reports">Open reports</a> · Resolved reports` : html`Open reports · <a href="/admin/reports?resolved=1">Resolved reports</a>`}</p>
${rows.length ? html`<table><thead><tr><th scope="col">Report</th><th scope="col">Reported</th><th scope="col">Reporter</th><th scope="col">Category</th><th scope="col">Comment</th><th scope="col">Assigned</th><th scope="col">Filed</th></tr></thead><tbody>${rows.map(reportRow)}</tbody></table>` : html`<p>No ${resolved ? 'resolved' : 'open'} reports.</p>`}
${olderEntriesLink(request, found, LIMIT, 'Older reports')}`;
      return renderStaffPage(ctx, reply, staff, 'Reports', body);
    }),
  );

  app.get('/admin/reports/:id', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const report = await renderAdminReport(ctx, staff.account.id, await findReport(ctx, idOf(request)));
      const [presets, notes] = await Promise.all([listWarningPresets(ctx), reportNotesOf(ctx, report.id)]);
      const noted = { notes, deletable: deletableNotes(staff, notes) };
      return renderStaffPage(ctx, reply, staff, `Report #${report.id}`, reportView(report, staff.csrf, hasPermission(staff.user.role, PERMISSIONS.manageUsers), presets, noted));
    }),
  );

  const change = (name: string, run: typeof resolveReport) =>
    app.post(`/admin/reports/:id/${name}`, (request, reply) =>
      staffAction(ctx, request, reply, permission, async (staff) => {
        const report = await findReport(ctx, idOf(request));
        await run(ctx, staff, report);
        return `/admin/reports/${report.id}`;
      }),
    );
  change('assign_to_self', assignReportToSelf);
  change('unassign', unassignReport);
  change('resolve', resolveReport);
  change('reopen', reopenReport);

  // Admin::ReportNotesController: a note, and with it (its other buttons) the report resolved or reopened
  app.post('/admin/reports/:id/notes', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      const report = await findReport(ctx, idOf(request));
      await addReportNote(ctx, staff, report.id, text(input.content));
      const resolve = text(input.resolve);
      if (resolve === 'resolve' && !report.actionTakenAt) await resolveReport(ctx, staff, report);
      if (resolve === 'reopen' && report.actionTakenAt) await reopenReport(ctx, staff, report);
      return `/admin/reports/${report.id}`;
    }),
  );

  app.post('/admin/reports/:id/notes/:noteId/delete', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff) => {
      const report = await findReport(ctx, idOf(request));
      await deleteReportNote(ctx, staff, report.id, (request.params as { noteId: string }).noteId);
      return `/admin/reports/${report.id}`;
    }),
  );

  app.post('/admin/reports/:id/action', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      const report = await findReport(ctx, idOf(request));
      const account = await findAccountForStaff(ctx, report.targetAccountId);
      await performAccountAction(ctx, staff, account, accountActionInput(input, report.id));
      return `/admin/reports/${report.id}`;
    }),
  );

  app.post('/admin/reports/:id/statuses_action', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      const report = await findReport(ctx, idOf(request));
      await performStatusAction(ctx, staff, {
        type: text(input.type),
        statusIds: report.statusIds,
        reportId: report.id,
        text: text(input.text),
        sendEmailNotification: railsBoolean(input.send_email_notification) === true,
      });
      return `/admin/reports/${report.id}`;
    }),
  );
}
