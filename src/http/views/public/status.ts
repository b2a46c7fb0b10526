import type { MediaAttachment, Poll, Status } from '../../../serializers/entities.ts';
import { html, type SafeHtml } from '../html.ts';
import { emojifyText, safeContent } from './content.ts';

/** A local link for a status: its page here, or where it lives. */
const permalink = (status: Status) => status.url ?? status.uri ?? '#';

function mediaItem(media: MediaAttachment): SafeHtml {
  const alt = media.description ?? '';
  const url = media.url ?? media.remote_url ?? '';
  switch (media.type) {
    case 'image':
      return html`<li><a href="${url}"><img src="${media.preview_url ?? url}" alt="${alt}" loading="lazy"></a></li>`;
    case 'gifv':
      return html`<li><video src="${url}" poster="${media.preview_url ?? ''}" aria-label="${alt}" title="${alt}" loop muted playsinline controls></video></li>`;
    case 'video':
      return html`<li><video src="${url}" poster="${media.preview_url ?? ''}" aria-label="${alt}" title="${alt}" controls preload="none"></video></li>`;
    case 'audio':
      return html`<li><audio src="${url}" aria-label="${alt}" title="${alt}" controls preload="none"></audio></li>`;
    default:
      return html`<li><a href="${url}">${alt || 'Attachment'}</a></li>`;
  }
}

/** Attachments, behind a `<details>` when the post is marked sensitive (Mastodon hides them until asked). */
function mediaList(status: Status): SafeHtml | '' {
  if (status.media_attachments.length === 0) return '';
  const list = html`<ul class="media">${status.media_attachments.map(mediaItem)}</ul>`;
  if (!status.sensitive) return list;
  return html`<details class="sensitive"><summary>Sensitive content</summary>${list}</details>`;
}

function pollView(poll: Poll): SafeHtml {
  const total = poll.voters_count ?? poll.votes_count;
  return html`<ul class="poll">${poll.options.map((option) => {
    const share = total > 0 && option.votes_count !== null ? Math.round((option.votes_count / total) * 100) : 0;
    return html`<li><span class="share">${share}%</span> ${emojifyText(option.title, poll.emojis)}</li>`;
  })}</ul><p class="poll-meta">${poll.votes_count} votes${poll.expired ? ' · Closed' : ''}</p>`;
}

function body(status: Status): SafeHtml {
  const content = html`<div class="content"${status.language ? html` lang="${status.language}"` : ''}>${safeContent(status.content, status.emojis)}</div>${status.poll ? pollView(status.poll) : ''}${mediaList(status)}`;
  if (!status.spoiler_text) return content;
  return html`<details class="spoiler"><summary>${emojifyText(status.spoiler_text, status.emojis)}</summary>${content}</details>`;
}

export function authorLine(status: Status): SafeHtml {
  const { account } = status;
  return html`<a class="author" href="${account.url}"><img class="avatar" src="${account.avatar_static}" alt="" width="46" height="46"> <span class="display-name">${emojifyText(account.display_name || account.username, account.emojis)}</span> <span class="acct">@${account.acct}</span></a>`;
}

/** One post as Mastodon shows it: author, content (behind its content warning), poll, media, counts. */
export function statusView(status: Status, options: { focused?: boolean } = {}): SafeHtml {
  if (status.reblog) {
    return html`<article class="status reblog"><p class="boosted-by">${emojifyText(status.account.display_name || status.account.username, status.account.emojis)} boosted</p>${statusView(status.reblog)}</article>`;
  }
  const time = html`<a class="permalink" href="${permalink(status)}"><time datetime="${status.created_at}">${status.created_at.slice(0, 16).replace('T', ' ')}</time></a>`;
  return html`<article class="status${options.focused ? ' focused' : ''}" id="status-${status.id}"${status.language ? html` lang="${status.language}"` : ''}>
<header>${authorLine(status)} ${time}</header>
${body(status)}
<footer class="counts"><span>${status.replies_count} replies</span> <span>${status.reblogs_count} boosts</span> <span>${status.favourites_count} favourites</span></footer>
</article>`;
}

/** Posts newest first, and a link to older ones when the page was full. */
export function statusList(statuses: Status[], olderHref: string | null, empty = 'Nothing here yet.'): SafeHtml {
  if (statuses.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="feed">${statuses.map((status) => statusView(status))}</div>${olderHref ? html`<nav class="pagination" aria-label="Pagination"><a rel="next" href="${olderHref}">Older posts</a></nav>` : ''}`;
}

/** The link to the next (older) page, when this one was full. */
export function olderPage(path: string, items: readonly { id: string }[], full: boolean, extra: Record<string, string> = {}): string | null {
  const last = items.at(-1);
  if (!full || !last) return null;
  return `${path}?${new URLSearchParams({ ...extra, max_id: last.id })}`;
}
