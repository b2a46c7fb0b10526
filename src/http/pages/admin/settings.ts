import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.ts';
import { PERMISSIONS } from '../../../lib/user-roles.ts';
import { getSettings, type InstanceSettings } from '../../../services/accounts/settings.ts';
import { changeInstanceSettings, type SettingsChange } from '../../../services/instance/change-settings.ts';
import { railsBoolean, text } from '../../plugins/params.ts';
import { html } from '../../views/html.ts';
import { renderStaffPage, staffAction, staffView } from './staff-page.ts';

type TextSetting = 'site_title' | 'site_short_description' | 'site_extended_description' | 'site_contact_email' | 'site_contact_username' | 'closed_registrations_message' | 'site_terms';
const DISCLOSURES: [string, string][] = [
  ['disabled', 'To nobody'],
  ['users', 'To signed-in users'],
  ['all', 'To everyone'],
];

function settingsForm(settings: InstanceSettings, csrf: string) {
  const line = (name: TextSetting, label: string, type = 'text') => html`<label for="${name}">${label}</label><input id="${name}" type="${type}" name="${name}" value="${settings[name]}">`;
  const area = (name: TextSetting, label: string, hint: string) =>
    html`<label for="${name}">${label}</label><p class="hint" id="${name}-hint">${hint}</p><textarea id="${name}" name="${name}" rows="5" aria-describedby="${name}-hint">${settings[name]}</textarea>`;
  const select = (name: keyof InstanceSettings, label: string, choices: [string, string][]) =>
    html`<label for="${name}">${label}</label><select id="${name}" name="${name}">${choices.map(([value, text]) => html`<option value="${value}"${settings[name] === value ? html` selected` : ''}>${text}</option>`)}</select>`;
  const check = (name: 'trends' | 'require_invite_text', label: string) =>
    html`<p class="checkbox"><input id="${name}" type="checkbox" name="${name}" value="1"${settings[name] ? html` checked` : ''}> <label for="${name}">${label}</label></p>`;
  return html`<form method="post" action="/admin/settings"><input type="hidden" name="authenticity_token" value="${csrf}">
<h2>About</h2>
${line('site_title', 'Server name')}
${area('site_short_description', 'Short description', 'Shown in apps and on the landing page.')}
${area('site_extended_description', 'About this server', 'Shown on /about.')}
${line('site_contact_email', 'Contact e-mail', 'email')}
${line('site_contact_username', 'Contact username')}
<h2>Registrations</h2>
${select('registrations_mode', 'Who can sign up', [
  ['open', 'Anyone can sign up'],
  ['approved', 'Sign-ups need approval'],
  ['none', 'Nobody can sign up'],
])}
${check('require_invite_text', 'Require a reason to join')}
${area('closed_registrations_message', 'Message when sign-ups are closed', 'Shown on the sign-up page when nobody can sign up.')}
<h2>Discovery and transparency</h2>
${check('trends', 'Show trends')}
${select('show_domain_blocks', 'Show the moderated servers', DISCLOSURES)}
${select('show_domain_blocks_rationale', 'Show why servers are moderated', DISCLOSURES)}
<h2>Privacy policy</h2>
${area('site_terms', 'Privacy policy', 'Markdown; empty for the default policy.')}
<button type="submit">Save changes</button></form>`;
}

const TEXT_FIELDS = ['site_title', 'site_short_description', 'site_extended_description', 'site_contact_email', 'site_contact_username', 'closed_registrations_message', 'site_terms'] as const;
const CHOICE_FIELDS = ['registrations_mode', 'show_domain_blocks', 'show_domain_blocks_rationale'] as const;

/** The settings the form sent: a field left out stays as it is; an unticked checkbox (never sent by browsers) is off. */
function changeOf(input: Record<string, unknown>): SettingsChange {
  const change: Record<string, unknown> = {
    require_invite_text: railsBoolean(input.require_invite_text) === true,
    trends: railsBoolean(input.trends) === true,
  };
  for (const name of [...TEXT_FIELDS, ...CHOICE_FIELDS]) {
    const value = text(input[name]);
    if (value !== undefined) change[name] = name === 'site_contact_username' ? value.trim().replace(/^@/, '') : name === 'site_title' || name === 'site_contact_email' ? value.trim() : value;
  }
  return change as SettingsChange;
}

/** `/admin/settings` (Admin::SettingsController): the server's name, description, contact, sign-ups, transparency and privacy policy. */
export function staffSettingsRoutes(app: FastifyInstance, ctx: AppContext) {
  const permission = PERMISSIONS.manageSettings;
  app.get('/admin/settings', (request, reply) =>
    staffView(ctx, request, reply, permission, async (staff) => renderStaffPage(ctx, reply, staff, 'Server settings', settingsForm(await getSettings(ctx), staff.csrf))),
  );
  app.post('/admin/settings', (request, reply) =>
    staffAction(ctx, request, reply, permission, async (staff, input) => {
      await changeInstanceSettings(ctx, staff.account.id, changeOf(input));
      return '/admin/settings';
    }),
  );
}
