import { escapeHtml } from '../../../lib/html.ts';
import type { Status } from '../../../serializers/entities.ts';
import { safeContent, emojifyText } from './content.ts';

/** XML text and attribute escaping (the HTML escaping covers XML's five entities). */
const x = escapeHtml;

export interface Channel {
  title: string;
  description: string;
  link: string;
  /** the feed's own URL (atom:link rel=self) */
  self: string;
  image?: string;
}

/** What Mastodon's feeds put in an item's description: the content warning, a rule, then the content. */
function description(status: Status): string {
  const content = safeContent(status.content, status.emojis).value;
  return status.spoiler_text ? `<p>${emojifyText(status.spoiler_text, status.emojis).value}</p><hr />${content}` : content;
}

function medium(type: string): string {
  if (type === 'gifv' || type === 'image') return 'image';
  return type === 'video' || type === 'audio' ? type : 'document';
}

/** The size and type of each attachment's stored original, by attachment id (remote media may have none). */
export type MediaFiles = Map<string, { size: number | null; contentType: string | null }>;

function item(status: Status, files: MediaFiles): string {
  const link = status.url ?? status.uri ?? '';
  const media = status.media_attachments.filter((attachment) => attachment.url);
  // RSS 2.0 allows one enclosure: the first attachment; all of them as Media RSS
  const first = media[0];
  const typeOf = (attachment: Status['media_attachments'][number]) => files.get(attachment.id)?.contentType || mimeOf(attachment.url!, attachment.type);
  return `<item>
<guid isPermaLink="true">${x(link)}</guid>
<link>${x(link)}</link>
<pubDate>${new Date(status.created_at).toUTCString()}</pubDate>
<description>${x(description(status))}</description>
${first ? `<enclosure url="${x(first.url!)}" type="${x(typeOf(first))}" length="${files.get(first.id)?.size ?? 0}"/>\n` : ''}${media
  .map(
    (attachment) =>
      `<media:content url="${x(attachment.url!)}" type="${x(typeOf(attachment))}" medium="${medium(attachment.type)}"><media:rating scheme="urn:simple">${status.sensitive ? 'adult' : 'nonadult'}</media:rating>${attachment.description ? `<media:description type="plain">${x(attachment.description)}</media:description>` : ''}${attachment.preview_url && attachment.preview_url !== attachment.url ? `<media:thumbnail url="${x(attachment.preview_url)}"/>` : ''}</media:content>\n`,
  )
  .join('')}${status.tags.map((tag) => `<category>${x(tag.name)}</category>\n`).join('')}</item>`;
}

const EXTENSIONS: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
};

/** The attachment's MIME type from its file name (the entity does not carry it), else a generic one for its kind. */
function mimeOf(url: string, type: string): string {
  const extension = /\.([a-z0-9]+)(?:$|\?)/i.exec(new URL(url, 'http://x').pathname)?.[1]?.toLowerCase();
  if (extension && EXTENSIONS[extension]) return EXTENSIONS[extension];
  return type === 'video' || type === 'gifv' ? 'video/mp4' : type === 'audio' ? 'audio/mpeg' : type === 'image' ? 'image/jpeg' : 'application/octet-stream';
}

/** An RSS 2.0 feed with Media RSS extensions, as Mastodon's account and hashtag feeds. */
export function rssFeed(channel: Channel, statuses: Status[], files: MediaFiles): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${x(channel.title)}</title>
<description>${x(channel.description)}</description>
<link>${x(channel.link)}</link>
<atom:link href="${x(channel.self)}" rel="self" type="application/rss+xml"/>
${channel.image ? `<image><url>${x(channel.image)}</url><title>${x(channel.title)}</title><link>${x(channel.link)}</link></image>\n` : ''}${statuses[0] ? `<lastBuildDate>${new Date(statuses[0].created_at).toUTCString()}</lastBuildDate>\n` : ''}<generator>Subspace</generator>
${statuses.map((status) => item(status, files)).join('\n')}
</channel>
</rss>
`;
}
