import { NOTE_MAX_LENGTH, type StaffNote } from '../../../services/moderation/staff-notes.ts';
import { html, type SafeHtml } from '../html.ts';
import { buttonForm, day } from './layout.ts';

/**
 * Moderators' notes on a report or an account (Mastodon's report notes and account moderation
 * notes): each with its author and date, a Delete button where the viewer may remove it, and the
 * form to add one. `submits` are the form's buttons: a label, and the `resolve` value it sends.
 */
export function staffNotesSection(options: {
  notes: readonly StaffNote[];
  deletable: ReadonlySet<string>;
  csrf: string;
  /** where the form posts, and under which a note is deleted (`${action}/ID/delete`) */
  action: string;
  submits: { label: string; resolve?: string }[];
}): SafeHtml {
  const { notes, deletable, csrf, action } = options;
  const list = notes.length
    ? html`<ul class="staff-notes">${notes.map(
        (note) =>
          html`<li><p><a href="/admin/accounts/${note.author.id}">@${note.author.username}</a>, ${day(note.createdAt)}</p><blockquote>${note.content}</blockquote>${deletable.has(note.id) ? buttonForm(`${action}/${note.id}/delete`, csrf, 'Delete note', { secondary: true }) : ''}</li>`,
      )}</ul>`
    : html`<p>No notes.</p>`;
  const submits = options.submits.map(
    (submit, i) => html`<button type="submit"${submit.resolve ? html` name="resolve" value="${submit.resolve}"` : ''}${i > 0 ? html` class="secondary"` : ''}>${submit.label}</button>`,
  );
  return html`<section aria-labelledby="notes-heading"><h2 id="notes-heading">Moderation notes</h2>${list}
<form method="post" action="${action}"><input type="hidden" name="authenticity_token" value="${csrf}">
<label for="note-content">Note</label><textarea id="note-content" name="content" rows="3" maxlength="${NOTE_MAX_LENGTH}" required></textarea>
<p>${submits}</p></form></section>`;
}
