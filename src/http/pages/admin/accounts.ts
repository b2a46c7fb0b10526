import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS, hasPermission } from '../../../lib/user-roles.ts';
import { renderAdminAccount, renderAdminAccounts } from '../../../presenters/admin-accounts.ts';
import type { AdminAccountEntity } from '../../../serializers/admin-account.ts';
import {
  approveAccount,
  enableAccount,
  findAccountForStaff,
  liftSuspension,
  performAccountAction,
  rejectAccount,
  unsensitizeAccount,
  unsilenceAccount,
  type Staff,
} from '../../../services/moderation/account-actions.ts';
import { filterAccounts, type AccountFilter } from '../../../services/moderation/admin-account-filter.ts';
import { approveAppeal, rejectAppeal, strikesWithAppeals } from '../../../services/moderation/appeals.ts';
import type { AccountRow } from '../../../services/oauth/authenticate-token.ts';
import { text } from '../../plugins/params.ts';
import { accountActionForm } from '../../views/admin/account-action-form.ts';
import { listWarningPresets } from '../../../services/moderation/warning-presets.ts';
import { accountNotesOf, addAccountNote, deletableNotes, deleteAccountNote } from '../../../services/moderation/staff-notes.ts';
import { staffNotesSection } from '../../views/admin/staff-notes.ts';
import { buttonForm, day } from '../../views/admin/layout.ts';
import { html } from '../../views/html.ts';
import { accountActionInput, olderEntriesLink, renderStaffPage, staffAction, staffListPage, staffView } from './staff-page.ts';

const LIMIT = 40;
const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const STATUSES: [string, string][] = [
  ['active', 'Active'],
  ['pending', 'Pending approval'],
  ['silenced', 'Limited'],
  ['sensitized', 'Media marked sensitive'],
  ['disabled', 'Frozen'],
  ['suspended', 'Suspended'],
];

/** The list's filters from the query (AccountFilter): local active accounts unless said otherwise. */
function filterOf(query: Record<string, unknown>): AccountFilter {
  const origin = text(query.origin) || 'local';
  return { origin: origin === 'all' ? undefined : origin, status: text(query.status) || 'active', username: text(query.username) || undefined };
}

function select(name: string, label: string, choices: [string, string][], chosen: string | undefined) {
  return html`<div><label for="filter-${name}">${label}</label><select id="filter-${name}" name="${name}">${choices.map(([value, text]) => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${text}</option>`)}</select></div>`;
}

function stateOf(account: AdminAccountEntity): string {
  const states = [
    account.suspended && 'suspended',
    account.silenced && 'limited',
    account.sensitized && 'media sensitive',
    account.disabled && 'frozen',
    account.approved === false && 'pending approval',
    account.confirmed === false && 'unconfirmed',
  ].filter(Boolean);
  return states.length ? states.join(', ') : 'active';
}

function accountRow(account: AdminAccountEntity) {
  return html`<tr><td><a href="/admin/accounts/${account.id}">@${account.account.acct}</a></td><td>${stateOf(account)}</td><td>${account.role?.name ?? ''}</td><td>${account.ip ?? ''}</td><td>${day(account.created_at)}</td></tr>`;
}

/** The buttons for what can be undone or decided about the account as it is now. */
function accountButtons(account: AdminAccountEntity, csrf: string) {
  const base = `/admin/accounts/${account.id}`;
  const buttons = [];
  if (account.approved === false && !account.suspended) buttons.push(buttonForm(`${base}/approve`, csrf, 'Approve'), buttonForm(`${base}/reject`, csrf, 'Reject', { secondary: true }));
  if (account.suspended) buttons.push(buttonForm(`${base}/unsuspend`, csrf, 'Undo suspension'));
  if (account.silenced) buttons.push(buttonForm(`${base}/unsilence`, csrf, 'Undo limit'));
  if (account.sensitized) buttons.push(buttonForm(`${base}/unsensitive`, csrf, 'Undo sensitive media'));
  if (account.disabled) buttons.push(buttonForm(`${base}/enable`, csrf, 'Unfreeze login'));
  return buttons;
}

/** A strike as staff see it, with its appeal and, for those who decide appeals, the decision's buttons. */
function strikeItem({ strike, appeal }: Awaited<ReturnType<typeof strikesWithAppeals>>[number], csrf: string, canDecideAppeals: boolean) {
  const pending = appeal && !appeal.approvedAt && !appeal.rejectedAt;
  const appealState = appeal ? (appeal.approvedAt ? 'approved' : appeal.rejectedAt ? 'rejected' : 'pending') : '';
  return html`<li>${strike.action} ${day(strike.createdAt)}${strike.text ? html`: ${strike.text}` : ''}${strike.overruledAt ? ' (overruled)' : ''}${
    appeal
      ? html`<p>Appeal (${appealState}): ${appeal.text}</p>${pending && canDecideAppeals ? [buttonForm(`/admin/appeals/${appeal.id}/approve`, csrf, 'Approve appeal'), buttonForm(`/admin/appeals/${appeal.id}/reject`, csrf, 'Reject appeal', { secondary: true })] : ''}`
      : ''
  }</li>`;
}

async function accountView(ctx: AppContext, staff: Staff, account: AdminAccountEntity, csrf: string, canDecideAppeals: boolean) {
  const [strikes, presets, notes] = await Promise.all([strikesWithAppeals(ctx, account.id), listWarningPresets(ctx), accountNotesOf(ctx, account.id)]);
  const buttons = accountButtons(account, csrf);
  const local = account.domain === null;
  const offered = ['none', 'sensitive', ...(local ? ['disable'] : []), 'silence', 'suspend'].filter(
    (type) => !((type === 'suspend' && account.suspended) || (type === 'silence' && account.silenced) || (type === 'sensitive' && account.sensitized) || (type === 'disable' && account.disabled)),
  );
  return html`<dl class="fields">
<div class="field"><dt>Username</dt><dd>@${account.account.acct} (<a href="${account.account.url}">profile</a>)</dd></div>
<div class="field"><dt>State</dt><dd>${stateOf(account)}</dd></div>
${local ? html`<div class="field"><dt>E-mail</dt><dd>${account.email ?? ''}</dd></div><div class="field"><dt>Role</dt><dd>${account.role?.name || 'member'}</dd></div>` : ''}
<div class="field"><dt>Joined</dt><dd>${day(account.created_at)}</dd></div>
<div class="field"><dt>Posts</dt><dd>${account.account.statuses_count}</dd></div>
<div class="field"><dt>Followers</dt><dd>${account.account.followers_count}</dd></div>
${account.invite_request ? html`<div class="field"><dt>Reason to join</dt><dd>${account.invite_request}</dd></div>` : ''}
</dl>
${
  local
    ? html`<section aria-labelledby="ips-heading"><h2 id="ips-heading">IP addresses</h2>${account.ips.length ? html`<ul>${account.ips.map((ip) => html`<li>${ip.ip} (last used ${day(ip.used_at)})</li>`)}</ul>` : html`<p>None recorded.</p>`}</section>`
    : ''
}
${
  hasPermission(staff.user.role, PERMISSIONS.manageReports)
    ? staffNotesSection({ notes, deletable: deletableNotes(staff, notes), csrf, action: `/admin/accounts/${account.id}/notes`, submits: [{ label: 'Add note' }] })
    : ''
}
<section aria-labelledby="strikes-heading"><h2 id="strikes-heading">Strikes</h2>${strikes.length ? html`<ul>${strikes.map((row) => strikeItem(row, csrf, canDecideAppeals))}</ul>` : html`<p>No strikes.</p>`}</section>
${buttons.length ? html`<section aria-labelledby="undo-heading"><h2 id="undo-heading">Decisions</h2>${buttons}</section>` : ''}
<section aria-labelledby="action-heading"><h2 id="action-heading">Take action</h2>${accountActionForm(`/admin/accounts/${account.id}/action`, csrf, offered, presets)}</section>`;
}

/** `/admin/accounts` (Admin::AccountsController): accounts by origin, state and username, one account, and the moderation actions on it. */
export function staffAccountsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageUsers;

  app.get('/admin/accounts', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const query = request.query as Record<string, unknown>;
      const filter = filterOf(query);
      const found = await filterAccounts(ctx, filter, staffListPage(request, LIMIT));
      const rows = await renderAdminAccounts(ctx, found);
      const body = html`<form class="filters" method="get" action="/admin/accounts">
${select(
  'origin',
  'Origin',
  [
    ['local', 'Local'],
    ['remote', 'Remote'],
    ['all', 'All'],
  ],
  text(query.origin) || 'local',
)}
${select('status', 'State', STATUSES, filter.status)}
<div><label for="filter-username">Username</label><input id="filter-username" type="text" name="username" value="${filter.username ?? ''}"></div>
<div><button type="submit">Filter</button></div>
</form>
${rows.length ? html`<table><thead><tr><th scope="col">Account</th><th scope="col">State</th><th scope="col">Role</th><th scope="col">Last IP</th><th scope="col">Joined</th></tr></thead><tbody>${rows.map(accountRow)}</tbody></table>` : html`<p>No accounts match.</p>`}
${olderEntriesLink(request, found, LIMIT, 'More accounts')}`;
      return renderStaffPage(ctx, reply, staff, 'Accounts', body);
    }),
  );

  app.get('/admin/accounts/:id', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => {
      const account = await renderAdminAccount(ctx, await findAccountForStaff(ctx, idOf(request)));
      return renderStaffPage(ctx, reply, staff, `@${account.account.acct}`, await accountView(ctx, staff, account, staff.csrf, hasPermission(staff.user.role, PERMISSIONS.manageAppeals)));
    }),
  );

  // Admin::AccountModerationNotesController: notes need the report handlers' permission, as in Mastodon
  app.post('/admin/accounts/:id/notes', (request, reply) =>
    staffAction(ctx, request, reply, PERMISSIONS.manageReports, async (staff, input) => {
      const account = await findAccountForStaff(ctx, idOf(request));
      await addAccountNote(ctx, staff, account.id, text(input.content));
      return `/admin/accounts/${account.id}`;
    }),
  );

  app.post('/admin/accounts/:id/notes/:noteId/delete', (request, reply) =>
    staffAction(ctx, request, reply, PERMISSIONS.manageReports, async (staff) => {
      const account = await findAccountForStaff(ctx, idOf(request));
      await deleteAccountNote(ctx, staff, account.id, (request.params as { noteId: string }).noteId);
      return `/admin/accounts/${account.id}`;
    }),
  );

  const decision = (name: string, run: (ctx: AppContext, staff: Staff, account: AccountRow) => Promise<void>, after: (id: string) => string = (id) => `/admin/accounts/${id}`) =>
    app.post(`/admin/accounts/:id/${name}`, (request, reply) =>
      staffAction(ctx, request, reply, permission, async (staff) => {
        const account = await findAccountForStaff(ctx, idOf(request));
        await run(ctx, staff, account);
        return after(account.id);
      }),
    );
  decision('approve', approveAccount);
  // a rejected sign-up is gone
  decision('reject', rejectAccount, () => '/admin/accounts?status=pending');
  decision('unsuspend', liftSuspension);
  decision('unsilence', unsilenceAccount);
  decision('unsensitive', unsensitizeAccount);
  decision('enable', enableAccount);

  // Admin::Disputes::AppealsController: back to the appealing account
  for (const [name, run] of [
    ['approve', approveAppeal],
    ['reject', rejectAppeal],
  ] as const) {
    app.post(`/admin/appeals/:id/${name}`, (request, reply) =>
      staffAction(ctx, request, reply, PERMISSIONS.manageAppeals, async (staff) => `/admin/accounts/${(await run(ctx, staff, idOf(request))).accountId}`),
    );
  }

  app.post('/admin/accounts/:id/action', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      const account = await findAccountForStaff(ctx, idOf(request));
      await performAccountAction(ctx, staff, account, accountActionInput(input));
      return `/admin/accounts/${account.id}`;
    }),
  );
}
