import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { ApiError } from '../../../lib/errors.ts';
import { PERMISSIONS, hasPermission } from '../../../lib/user-roles.ts';
import { getSettings } from '../../../services/accounts/settings.ts';
import type { AccountActionInput, Staff } from '../../../services/moderation/account-actions.ts';
import { params, railsBoolean, text } from '../../plugins/params.ts';
import { csrfToken, verifyCsrf } from '../../plugins/session.ts';
import { staffLayout, type StaffNavItem } from '../../views/admin/layout.ts';
import { html, type SafeHtml } from '../../views/html.ts';
import { signedIn } from '../member-page.ts';

/**
 * The staff web interface's gate, as Mastodon's Admin::BaseController: a signed-in user whose role
 * holds the page's permission (the same the admin API asks); a visitor is sent to sign in, a
 * member or staff without that permission gets 403.
 */

/** The sections of the staff interface, each with the permission that opens it. */
export const STAFF_SECTIONS: (StaffNavItem & { permission: number })[] = [
  { path: '/admin/dashboard', label: 'Dashboard', permission: PERMISSIONS.viewDashboard },
  { path: '/admin/reports', label: 'Reports', permission: PERMISSIONS.manageReports },
  { path: '/admin/accounts', label: 'Accounts', permission: PERMISSIONS.manageUsers },
  { path: '/admin/action_logs', label: 'Audit log', permission: PERMISSIONS.viewAuditLog },
  { path: '/admin/trends', label: 'Trends', permission: PERMISSIONS.manageTaxonomies },
  { path: '/admin/domain_blocks', label: 'Federation', permission: PERMISSIONS.manageFederation },
  { path: '/admin/email_domain_blocks', label: 'E-mail domain blocks', permission: PERMISSIONS.manageBlocks },
  { path: '/admin/ip_blocks', label: 'IP blocks', permission: PERMISSIONS.manageBlocks },
  { path: '/admin/rules', label: 'Server rules', permission: PERMISSIONS.manageRules },
  { path: '/admin/settings', label: 'Server settings', permission: PERMISSIONS.manageSettings },
  { path: '/admin/warning_presets', label: 'Warning presets', permission: PERMISSIONS.manageSettings },
  { path: '/admin/announcements', label: 'Announcements', permission: PERMISSIONS.manageAnnouncements },
  { path: '/admin/custom_emojis', label: 'Custom emoji', permission: PERMISSIONS.manageCustomEmojis },
  { path: '/admin/jobs', label: 'Job queues', permission: PERMISSIONS.viewDevops },
];

export interface StaffPage extends Staff {
  /** the authenticity token for this page's forms */
  csrf: string;
}

async function forbidden(ctx: AppContext, reply: FastifyReply) {
  const { site_title } = await getSettings(ctx);
  return reply
    .status(403)
    .type('text/html; charset=utf-8')
    .send(staffLayout({ title: 'Forbidden', siteTitle: site_title, nav: [], body: html`<p>You are not allowed to see this page.</p>` }));
}

/** The staff member signed in to this browser if they hold `permission`; undefined when the answer was sent. */
export async function staffSignedIn(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, permission: number): Promise<StaffPage | undefined> {
  // back to the same page, filters and all, after signing in
  const session = await signedIn(ctx, request, reply, request.url);
  if (!session) return undefined;
  if (!hasPermission(session.user.role, permission)) {
    await forbidden(ctx, reply);
    return undefined;
  }
  return { account: session.account, user: session.user, csrf: csrfToken(ctx, request, reply) };
}

/** A staff page in the staff layout, its navigation limited to what this member may open. */
export async function renderStaffPage(ctx: AppContext, reply: FastifyReply, staff: Staff, title: string, body: SafeHtml, status = 200) {
  const { site_title } = await getSettings(ctx);
  const nav = STAFF_SECTIONS.filter((section) => hasPermission(staff.user.role, section.permission));
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(staffLayout({ title, siteTitle: site_title, nav, body, current: new URL(reply.request.url, 'http://localhost').pathname }));
}

/** A staff form's POST up to its own work: its fields, the CSRF token checked, then the permission (undefined: answered already). */
export async function staffForm(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, permission: number): Promise<{ staff: StaffPage; input: Record<string, unknown> } | undefined> {
  const input = params(request);
  verifyCsrf(ctx, request, input.authenticity_token);
  const staff = await staffSignedIn(ctx, request, reply, permission);
  return staff ? { staff, input } : undefined;
}

/**
 * A staff form's POST: the CSRF token first, then the permission, then `run` (the same service the
 * admin API calls), then a redirect (303) to where `run` says. A refusal or invalid input from the
 * service (4xx) is shown on an error page with its status, and nothing changed.
 */
export async function staffAction(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, permission: number, run: (staff: StaffPage, input: Record<string, unknown>) => Promise<string>) {
  const form = await staffForm(ctx, request, reply, permission);
  if (!form) return;
  const { staff, input } = form;
  try {
    return reply.redirect(await run(staff, input), 303);
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode >= 500) throw error;
    const back = request.headers.referer && URL.canParse(request.headers.referer) ? new URL(request.headers.referer).pathname : '/admin/dashboard';
    const body = html`<div class="error" role="alert"><p>${error.message}</p></div><p><a href="${back.startsWith('/admin') ? back : '/admin/dashboard'}">Back</a></p>`;
    return renderStaffPage(ctx, reply, staff, error.statusCode === 404 ? 'Not found' : 'That did not work', body, error.statusCode);
  }
}

/** A staff page's GET: the permission, then `render`; a 404 from a service is a "not found" page. */
export async function staffView(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, permission: number, render: (staff: StaffPage) => Promise<unknown>) {
  const staff = await staffSignedIn(ctx, request, reply, permission);
  if (!staff) return;
  try {
    return await render(staff);
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === 404) return renderStaffPage(ctx, reply, staff, 'Not found', html`<p>There is no such record.</p>`, 404);
    if (error instanceof ApiError && error.statusCode === 400) return renderStaffPage(ctx, reply, staff, 'Bad request', html`<p>${error.message}</p>`, 400);
    throw error;
  }
}

/** The page of a staff list the query asks for: newest first, `max_id` for the entries older than it. */
export function staffListPage(request: FastifyRequest, limit: number): { limit: number; maxId?: string } {
  const maxId = text((request.query as Record<string, unknown>).max_id);
  return { limit, maxId: maxId && /^\d{1,19}$/.test(maxId) ? maxId : undefined };
}

/** The link to the next (older) page of a full staff list, its filters kept. */
export function olderEntriesLink(request: FastifyRequest, rows: readonly { id: string }[], limit: number, label = 'Older entries'): SafeHtml | string {
  if (rows.length < limit || rows.length === 0) return '';
  const url = new URL(request.url, 'http://localhost');
  url.searchParams.set('max_id', rows.at(-1)!.id);
  return html`<p class="pagination"><a rel="next" href="${url.pathname}${url.search}">${label}</a></p>`;
}

/** The "take action" form's fields (views/admin/account-action-form.ts) as the service takes them; from a report, its posts go with the strike. */
export function accountActionInput(input: Record<string, unknown>, reportId?: string): AccountActionInput {
  return {
    type: text(input.type),
    reportId,
    warningPresetId: text(input.warning_preset_id) || undefined,
    text: text(input.text),
    sendEmailNotification: railsBoolean(input.send_email_notification) === true,
    includeStatuses: reportId !== undefined,
  };
}
