import { html, type SafeHtml } from '../html.ts';

/** Admin::AccountAction's types as the staff form offers them (Mastodon's admin/account_actions/new). */
const ACTION_CHOICES: [string, string][] = [
  ['none', 'Warning only'],
  ['sensitive', 'Mark media as sensitive'],
  ['disable', 'Freeze login'],
  ['silence', 'Limit'],
  ['suspend', 'Suspend'],
];

/**
 * The "take action" form of an account or a report: the action, the text of the warning the
 * member gets, and whether they are e-mailed. From a report, the action resolves it.
 */
export function accountActionForm(action: string, csrf: string, allowed: string[]): SafeHtml {
  const choices = ACTION_CHOICES.filter(([type]) => allowed.includes(type));
  return html`<form method="post" action="${action}">
<input type="hidden" name="authenticity_token" value="${csrf}">
<fieldset><legend>Action</legend>
${choices.map(([type, label], i) => html`<p class="checkbox"><input type="radio" id="action-${type}" name="type" value="${type}"${i === 0 ? html` checked` : ''}> <label for="action-${type}">${label}</label></p>`)}
</fieldset>
<label for="action-text">Warning sent to the account (optional)</label>
<textarea id="action-text" name="text" rows="3"></textarea>
<p class="checkbox"><input type="checkbox" id="action-email" name="send_email_notification" value="1" checked> <label for="action-email">Notify the account by e-mail</label></p>
<button type="submit">Perform action</button>
</form>`;
}
