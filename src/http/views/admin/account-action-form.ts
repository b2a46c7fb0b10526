import { html, type SafeHtml } from '../html.ts';

/** Admin::AccountAction's types as the staff form offers them (Mastodon's admin/account_actions/new). */
const ACTION_CHOICES: [string, string][] = [
  ['none', 'Warning only'],
  ['sensitive', 'Mark media as sensitive'],
  ['disable', 'Freeze login'],
  ['silence', 'Limit'],
  ['suspend', 'Suspend'],
];

/** The warning presets to start the text from (Mastodon's "Use a warning preset"): the preset's text comes first. */
function presetSelect(presets: { id: string; title: string; text: string }[]): SafeHtml | string {
  if (presets.length === 0) return '';
  return html`<label for="action-preset">Use a warning preset (optional)</label>
<select id="action-preset" name="warning_preset_id"><option value="">None</option>${presets.map((preset) => html`<option value="${preset.id}">${preset.title || preset.text.slice(0, 60)}</option>`)}</select>
`;
}

/**
 * The "take action" form of an account or a report: the action, the text of the warning the
 * member gets, and whether they are e-mailed. From a report, the action resolves it.
 */
export function accountActionForm(action: string, csrf: string, allowed: string[], presets: { id: string; title: string; text: string }[] = []): SafeHtml {
  const choices = ACTION_CHOICES.filter(([type]) => allowed.includes(type));
  return html`<form method="post" action="${action}">
<input type="hidden" name="authenticity_token" value="${csrf}">
<fieldset><legend>Action</legend>
${choices.map(([type, label], i) => html`<p class="checkbox"><input type="radio" id="action-${type}" name="type" value="${type}"${i === 0 ? html` checked` : ''}> <label for="action-${type}">${label}</label></p>`)}
</fieldset>
${presetSelect(presets)}<label for="action-text">Warning sent to the account (optional)</label>
<textarea id="action-text" name="text" rows="3"></textarea>
<p class="checkbox"><input type="checkbox" id="action-email" name="send_email_notification" value="1" checked> <label for="action-email">Notify the account by e-mail</label></p>
<button type="submit">Perform action</button>
</form>`;
}

/** The report's posts acted on as a whole (Admin::StatusBatchAction): deleted, or their media marked sensitive, with a strike. */
export function statusesActionForm(action: string, csrf: string): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="authenticity_token" value="${csrf}">
<fieldset><legend>Action on the reported posts</legend>
<p class="checkbox"><input type="radio" id="statuses-action-sensitive" name="type" value="mark_as_sensitive" checked> <label for="statuses-action-sensitive">Mark their media as sensitive</label></p>
<p class="checkbox"><input type="radio" id="statuses-action-delete" name="type" value="delete"> <label for="statuses-action-delete">Delete them</label></p>
</fieldset>
<label for="statuses-action-text">Warning about the posts (optional)</label>
<textarea id="statuses-action-text" name="text" rows="3"></textarea>
<p class="checkbox"><input type="checkbox" id="statuses-action-email" name="send_email_notification" value="1" checked> <label for="statuses-action-email">Notify the author by e-mail</label></p>
<button type="submit">Act on the posts</button>
</form>`;
}
