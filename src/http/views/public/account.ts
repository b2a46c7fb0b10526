import type { Account } from '../../../serializers/entities.ts';
import { html, SafeHtml } from '../html.ts';
import { emojifyText, safeContent } from './content.ts';

export const displayName = (account: Account) => account.display_name || account.username;

/**
 * A profile field; one whose link was found to point back here with `rel="me"` is shown as
 * verified. Local field values are plain text made HTML on render, remote ones sanitized HTML.
 */
function field(item: Account['fields'][number], account: Account): SafeHtml {
  const verified = item.verified_at !== null;
  return html`<div class="field${verified ? ' verified' : ''}"><dt>${emojifyText(item.name, account.emojis)}</dt><dd>${fieldValue(item.value, account)}${
    verified ? html` <span class="verified-mark" title="Ownership of this link was checked on ${item.verified_at!.slice(0, 10)}">✓ <span class="visually-hidden">verified</span></span>` : ''
  }</dd></div>`;
}

/**
 * A field's value; a member's own links carry `rel="me"`, as Mastodon's do, so the sites they point
 * to can verify the profile in return.
 */
function fieldValue(value: string, account: Account): SafeHtml {
  const content = safeContent(value, account.emojis);
  if (account.acct.includes('@')) return content;
  return new SafeHtml(content.value.replaceAll('rel="nofollow noopener"', 'rel="me nofollow noopener"'));
}

/** The top of a profile: header, avatar, name, bio, fields and counts. */
export function profileHeader(account: Account, localDomain: string): SafeHtml {
  const acct = account.acct.includes('@') ? account.acct : `${account.acct}@${localDomain}`;
  const moved = account.moved;
  return html`<section class="profile" aria-labelledby="profile-name">
${moved ? html`<p class="moved" role="note">${emojifyText(displayName(account), account.emojis)} has moved to <a href="${moved.url}">@${moved.acct}</a>.</p>` : ''}
<img class="header" src="${account.header_static}" alt="${account.header_description}">
<img class="avatar large" src="${account.avatar_static}" alt="${account.avatar_description}" width="94" height="94">
<h1 id="profile-name">${emojifyText(displayName(account), account.emojis)}</h1>
<p class="acct">@${acct}${account.locked ? html` <span class="locked" title="Locked">🔒</span>` : ''}${account.bot ? html` <span class="badge">Automated</span>` : ''}</p>
<div class="note">${safeContent(account.note, account.emojis)}</div>
${account.fields.length > 0 ? html`<dl class="fields">${account.fields.map((item) => field(item, account))}</dl>` : ''}
<p class="counts"><span><strong>${account.statuses_count}</strong> Posts</span> ${account.hide_collections ? '' : html`<span><strong>${account.following_count}</strong> Following</span> <span><strong>${account.followers_count}</strong> Followers</span>`}</p>
</section>`;
}
