import { type Browser, formFields } from './browser.ts';

/** The staff pages, each with the lowest role that may open it (Mastodon's seeded roles). */
export const STAFF_PAGES: [string, 'Moderator' | 'Admin' | 'Owner'][] = [
  ['/admin/dashboard', 'Moderator'],
  ['/admin/reports', 'Moderator'],
  ['/admin/accounts', 'Moderator'],
  ['/admin/action_logs', 'Moderator'],
  ['/admin/trends', 'Moderator'],
  ['/admin/domain_blocks', 'Admin'],
  ['/admin/email_domain_blocks', 'Admin'],
  ['/admin/ip_blocks', 'Admin'],
  ['/admin/rules', 'Admin'],
  ['/admin/settings', 'Admin'],
  ['/admin/warning_presets', 'Admin'],
  ['/admin/announcements', 'Admin'],
  ['/admin/custom_emojis', 'Admin'],
  ['/admin/jobs', 'Owner'],
];

/**
 * Sends a form of a staff page as a person would: opens `page`, takes the form whose action is
 * `action` (its hidden fields, the CSRF token among them), fills in `fields`, submits it.
 */
export async function submitStaffForm(browser: Browser, page: string, action: string, fields: Record<string, string> = {}) {
  const shown = await browser.get(page);
  if (shown.status !== 200) throw new Error(`${page} answered ${shown.status}`);
  const forms = [...shown.html.matchAll(/<form[^>]*action="([^"]*)"/g)];
  const index = forms.findIndex((form) => form[1] === action);
  if (index < 0) throw new Error(`no form to ${action} on ${page}`);
  return browser.post(action, { ...formFields(shown.html, index).fields, ...fields });
}
