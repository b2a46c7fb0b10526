import type { ComponentChild } from 'preact';
import type { Emoji } from './types.ts';

/**
 * Statuses' and bios' HTML, from this server or another: the server sanitized it already, but it is
 * parsed here (DOMParser never runs scripts) and rebuilt as Preact elements from an allow-list
 * (Mastodon's own: paragraphs, line breaks, links, spans, emphasis, code, quotes, lists), so that no
 * markup the client does not know reaches the DOM. Links open outside; custom emoji become images.
 */
const TAGS = new Set(['p', 'br', 'a', 'span', 'del', 's', 'pre', 'blockquote', 'code', 'b', 'strong', 'u', 'i', 'em', 'ul', 'ol', 'li']);
const CLASSES = new Set(['mention', 'hashtag', 'u-url', 'h-card', 'invisible', 'ellipsis', 'quote-inline']);

function safeHref(value: string | null): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function withEmoji(text: string, emojis: Emoji[]): ComponentChild {
  if (!emojis.length || !text.includes(':')) return text;
  const byCode = new Map(emojis.map((emoji) => [emoji.shortcode, emoji]));
  const parts: ComponentChild[] = [];
  let last = 0;
  for (const match of text.matchAll(/:([a-zA-Z0-9_]{2,}):/g)) {
    const emoji = byCode.get(match[1]!);
    if (!emoji) continue;
    parts.push(text.slice(last, match.index));
    parts.push(<img class="emoji" src={emoji.static_url} alt={match[0]} title={match[0]} />);
    last = match.index! + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function convert(node: Node, emojis: Emoji[], index: number): ComponentChild {
  if (node.nodeType === Node.TEXT_NODE) return withEmoji(node.textContent ?? '', emojis);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const element = node as Element;
  const children = [...element.childNodes].map((child, i) => convert(child, emojis, i));
  const tag = element.tagName.toLowerCase();
  if (!TAGS.has(tag)) return children;
  const classes = (element.getAttribute('class') ?? '')
    .split(/\s+/)
    .filter((name) => CLASSES.has(name))
    .join(' ');
  const props: Record<string, string | number> = { key: index };
  if (classes) props.class = classes;
  if (tag === 'a') {
    const href = safeHref(element.getAttribute('href'));
    if (!href) return children;
    props.href = href;
    props.rel = 'nofollow noopener noreferrer';
    props.target = '_blank';
  }
  const Tag = tag as 'p';
  return <Tag {...props}>{children}</Tag>;
}

export function SafeHtml({ html, emojis = [], class: className }: { html: string; emojis?: Emoji[]; class?: string }) {
  const body = new DOMParser().parseFromString(html, 'text/html').body;
  return <div class={className}>{[...body.childNodes].map((node, i) => convert(node, emojis, i))}</div>;
}

/** A display name with its custom emoji, as text otherwise. */
export function DisplayName({ name, emojis }: { name: string; emojis: Emoji[] }) {
  return <>{withEmoji(name, emojis)}</>;
}
