import { escapeHtml } from '../html.ts';

export const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/** A link as Mastodon shows it: without the scheme and `www.`, the middle cut after 30 characters. */
export function linkHtml(href: string): string {
  const withoutScheme = href.replace(/^https?:\/\/(www\.)?/i, '');
  const visible = withoutScheme.slice(0, 30);
  const rest = withoutScheme.slice(30);
  const prefix = href.slice(0, href.length - withoutScheme.length);
  return (
    `<a href="${escapeHtml(href)}" target="_blank" rel="nofollow noopener" translate="no">` +
    `<span class="invisible">${escapeHtml(prefix)}</span>` +
    `<span class="${rest ? 'ellipsis' : ''}">${escapeHtml(visible)}</span>` +
    `<span class="invisible">${escapeHtml(rest)}</span></a>`
  );
}

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    out += escapeHtml(line.slice(last, match.index)) + linkHtml(match[0]);
    last = match.index + match[0].length;
  }
  return out + escapeHtml(line.slice(last));
}

/** Plain text (a bio, a profile field value) as Mastodon's HTML: paragraphs, line breaks, links. */
export function plainToHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n{2,}/)
    .filter(Boolean);
  return paragraphs.map((p) => `<p>${p.split('\n').map(linkify).join('<br />')}</p>`).join('');
}

/** A single-line value (a profile field), linkified but without a paragraph. */
export function inlineToHtml(text: string): string {
  return linkify(text.replace(/\s+/g, ' ').trim());
}
