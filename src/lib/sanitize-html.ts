import sanitizeHtml, { type Attributes, type IOptions } from 'sanitize-html';

/**
 * Remote HTML reduced to what Mastodon shows (Sanitize::Config::MASTODON_STRICT): a few inline and
 * block elements, links with a known scheme (opened in a new tab, nofollow), the microformat and
 * mention/hashtag classes, `lang`, and `translate="no"`. Anything else is unwrapped, keeping its
 * text, except elements whose content is not text (scripts, styles, SVG, MathML…), which go whole.
 */

const LINK_PROTOCOLS = new Set(['http', 'https', 'dat', 'dweb', 'ipfs', 'ipns', 'ssb', 'gopher', 'xmpp', 'magnet', 'gemini']);
const ELEMENTS = ['p', 'br', 'span', 'a', 'del', 's', 'pre', 'blockquote', 'code', 'b', 'strong', 'u', 'i', 'em', 'ul', 'ol', 'li', 'ruby', 'rt', 'rp'];
// Sanitize's remove_contents, and the other elements whose text is not for reading.
const REMOVED_WITH_CONTENT = ['script', 'style', 'iframe', 'math', 'noembed', 'noframes', 'noscript', 'plaintext', 'svg', 'xmp', 'textarea', 'option', 'select', 'template', 'title', 'object', 'head'];
const ALLOWED_CLASSES = [/^(h|p|u|dt|e)-/, 'mention', 'hashtag', 'ellipsis', 'invisible', 'quote-inline'];

// Headings become a bold paragraph. sanitize-html renames but cannot wrap, so they pass as this
// marker, replaced afterwards; a marker written in the input becomes a bare span.
const HEADING = 'subspace-heading';

/** Deeper elements are unwrapped (their text kept), so hostile nesting cannot blow up rendering. */
export const MAX_NESTING = 100;

/** The scheme of an href as a browser reads it (ignoring whitespace and control characters), or null when relative. */
function schemeOf(href: string): string | null {
  // eslint-disable-next-line no-control-regex
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(href.replace(/[\u0000-\u0020]/g, ''));
  return match ? match[1]!.toLowerCase() : null;
}

function link(tagName: string, attribs: Attributes) {
  const scheme = schemeOf(attribs.href ?? '');
  // Mastodon replaces a link it cannot follow with its text. A bare span, not an unwrapped element:
  // sanitize-html misnames the next closing tag at the same depth after dropping a renamed one.
  if (scheme === null || !LINK_PROTOCOLS.has(scheme)) return { tagName: 'span', attribs: {} };
  return { tagName, attribs: { ...attribs, rel: 'nofollow noopener', target: '_blank' } };
}

function keepTranslateNo(tagName: string, attribs: Attributes) {
  if (attribs.translate === undefined || attribs.translate === 'no') return { tagName, attribs };
  const { translate: _dropped, ...rest } = attribs;
  return { tagName, attribs: rest };
}

const heading = () => ({ tagName: HEADING, attribs: {} });

const OPTIONS: IOptions = {
  allowedTags: [...ELEMENTS, HEADING],
  allowedAttributes: {
    '*': ['lang'],
    a: ['href', 'rel', 'class', 'translate', 'target'],
    span: ['class', 'translate'],
    ol: ['start', 'reversed'],
    li: ['value'],
    p: ['class'],
  },
  allowedClasses: { a: ALLOWED_CLASSES, span: ALLOWED_CLASSES, p: ALLOWED_CLASSES },
  allowedSchemes: [...LINK_PROTOCOLS],
  allowedSchemesByTag: {},
  allowProtocolRelative: false,
  allowedScriptHostnames: [],
  disallowedTagsMode: 'discard',
  nonTextTags: REMOVED_WITH_CONTENT,
  nestingLimit: MAX_NESTING,
  transformTags: {
    a: link,
    h1: heading,
    h2: heading,
    h3: heading,
    h4: heading,
    h5: heading,
    h6: heading,
    [HEADING]: () => ({ tagName: 'span', attribs: {} }),
    '*': keepTranslateNo,
  },
};

/** Remote HTML as Mastodon would show it. */
export function sanitizeRemoteHtml(html: string): string {
  // NUL, which PostgreSQL cannot store, goes first
  return sanitizeHtml(html.replaceAll('\0', ''), OPTIONS).replaceAll(`<${HEADING}>`, '<p><strong>').replaceAll(`</${HEADING}>`, '</strong></p>');
}
