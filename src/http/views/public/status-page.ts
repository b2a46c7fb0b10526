import type { Status } from '../../../serializers/entities.ts';
import type { Site } from '../../pages/site.ts';
import { html } from '../html.ts';
import { displayName } from './account.ts';
import { plainSummary } from './content.ts';
import { embedDocument, type PageMeta, publicDocument } from './document.ts';
import { statusView } from './status.ts';

export interface ThreadData {
  ancestors: Status[];
  status: Status;
  descendants: Status[];
}

/** Mastodon's status meta: the author as title, the content warning or text as description, the first image unless sensitive. */
function statusMeta(site: Site, status: Status): PageMeta {
  const url = status.url ?? `${site.base}/@${status.account.username}/${status.id}`;
  const image = status.sensitive ? undefined : status.media_attachments.find((media) => media.type === 'image')?.url;
  const summary = status.spoiler_text ? `Content warning: ${status.spoiler_text}` : plainSummary(status.content);
  return {
    title: `${displayName(status.account)}: "${plainSummary(status.spoiler_text || status.content, 50)}" - ${site.settings.site_title}`,
    description: summary || `Post by @${status.account.acct}`,
    canonical: url,
    siteTitle: site.settings.site_title,
    type: 'article',
    image: image ?? status.account.avatar,
    largeImage: !!image,
    activityPub: status.uri ?? undefined,
    oembed: `${site.base}/api/oembed?${new URLSearchParams({ format: 'json', url })}`,
    noindex: status.account.noindex === true,
  };
}

export function threadPage(site: Site, thread: ThreadData): string {
  const { status } = thread;
  const before = thread.ancestors.length > 0 ? html`<section class="ancestors" aria-label="Earlier in the thread">${thread.ancestors.map((item) => statusView(item))}</section>` : '';
  const after =
    thread.descendants.length > 0
      ? html`<section class="descendants" aria-labelledby="replies-heading"><h2 id="replies-heading">Replies</h2>${thread.descendants.map((item) => statusView(item))}</section>`
      : '';
  return publicDocument(statusMeta(site, status), site.nav, html`<h1 class="visually-hidden">Post by ${displayName(status.account)}</h1>${before}${statusView(status, { focused: true })}${after}`);
}

export function embedPage(site: Site, status: Status): string {
  return embedDocument({ ...statusMeta(site, status), oembed: undefined }, html`<main>${statusView(status, { focused: true })}</main>`);
}
