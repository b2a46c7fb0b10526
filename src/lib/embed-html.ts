import sanitizeHtml, { type IOptions } from 'sanitize-html';
import { escapeHtml } from './html.ts';

// Sanitize::Config::RELAXED's elements (without the document-level ones) and Mastodon's additions for embeds.
const RELAXED_ELEMENTS = [
  'a', 'abbr', 'blockquote', 'br', 'cite', 'code', 'dd', 'dfn', 'dl', 'dt', 'em', 'i', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q',
  's', 'samp', 'small', 'strike', 'strong', 'sub', 'sup', 'time', 'u', 'ul', 'var', 'address', 'article', 'aside', 'bdi', 'bdo',
  'caption', 'col', 'colgroup', 'data', 'del', 'div', 'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'header', 'hgroup', 'hr', 'img', 'ins', 'main', 'nav', 'rp', 'rt', 'ruby', 'section', 'span', 'summary', 'table', 'tbody',
  'td', 'tfoot', 'th', 'thead', 'tr', 'wbr',
];

/**
 * Sanitize::Config::MASTODON_OEMBED: what an oEmbed video's `html` may keep, i.e. RELAXED plus `audio`,
 * `embed`, `iframe`, `source` and `video` with http(s) sources only. Styles are dropped (RELAXED
 * keeps a CSS subset; sanitize-html has no CSS sanitizer worth trusting with it).
 */
const OEMBED: IOptions = {
  allowedTags: [...RELAXED_ELEMENTS, 'audio', 'embed', 'iframe', 'source', 'video'],
  allowedAttributes: {
    '*': ['class', 'dir', 'hidden', 'lang', 'title', 'translate'],
    a: ['href', 'hreflang', 'name', 'rel'],
    col: ['span', 'width'],
    colgroup: ['span', 'width'],
    data: ['value'],
    del: ['cite', 'datetime'],
    ins: ['cite', 'datetime'],
    img: ['align', 'alt', 'border', 'height', 'src', 'srcset', 'width'],
    li: ['value'],
    ol: ['reversed', 'start', 'type'],
    q: ['cite'],
    table: ['align', 'border', 'cellpadding', 'cellspacing', 'summary', 'width'],
    td: ['abbr', 'align', 'axis', 'colspan', 'headers', 'rowspan', 'valign', 'width'],
    th: ['abbr', 'align', 'axis', 'colspan', 'headers', 'rowspan', 'scope', 'valign', 'width'],
    time: ['datetime', 'pubdate'],
    ul: ['type'],
    audio: ['controls'],
    embed: ['height', 'src', 'type', 'width'],
    iframe: ['allowfullscreen', 'frameborder', 'height', 'scrolling', 'src', 'width'],
    source: ['src', 'type'],
    video: ['controls', 'height', 'loop', 'width'],
    div: ['data-*'],
  },
  allowedSchemes: ['http', 'https'],
  allowedSchemesByTag: { a: ['ftp', 'http', 'https', 'mailto'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
};

export function sanitizeEmbedHtml(html: string): string {
  return html ? sanitizeHtml(html, OEMBED) : '';
}

/** The player iframe a card with a `twitter:player` gets (LinkDetailsExtractor#html). */
export function embedIframe(src: string, width: number, height: number): string {
  return `<iframe src="${escapeHtml(src)}" width="${width}" height="${height}" allowfullscreen="true" allowtransparency="true" scrolling="no" frameborder="0"></iframe>`;
}
