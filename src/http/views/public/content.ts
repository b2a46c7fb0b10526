import { sanitizeRemoteHtml } from '../../../lib/sanitize-html.ts';
import { htmlToPlainText } from '../../../lib/filter-matching.ts';
import { escapeHtml } from '../../../lib/html.ts';
import type { CustomEmoji } from '../../../serializers/entities.ts';
import { SafeHtml } from '../html.ts';

const SHORTCODE = /:([a-zA-Z0-9_]{2,}):/g;

function emojiImage(emoji: CustomEmoji): string {
  const alt = escapeHtml(`:${emoji.shortcode}:`);
  return `<img class="emoji" src="${escapeHtml(emoji.url)}" alt="${alt}" title="${alt}" draggable="false">`;
}

/** `:shortcode:` of the given custom emoji as images in text that is already HTML-escaped. */
function replaceShortcodes(escaped: string, emojis: readonly CustomEmoji[]): string {
  if (emojis.length === 0) return escaped;
  const byCode = new Map(emojis.map((emoji) => [emoji.shortcode, emoji]));
  return escaped.replace(SHORTCODE, (whole, code: string) => {
    const emoji = byCode.get(code);
    return emoji ? emojiImage(emoji) : whole;
  });
}

/** Plain text (a display name, a content warning) escaped, its custom emoji as images. */
export function emojifyText(text: string, emojis: readonly CustomEmoji[]): SafeHtml {
  return new SafeHtml(replaceShortcodes(escapeHtml(text), emojis));
}

/**
 * Stored post or profile HTML, sanitized once more here (what is stored from other servers was
 * sanitized on arrival, but a page must not depend on every write path having done so), its custom
 * emoji as images. Only text between tags is searched: the sanitizer escapes `<` and `>` in
 * attribute values, so splitting on tags cannot cut one.
 */
export function safeContent(storedHtml: string, emojis: readonly CustomEmoji[]): SafeHtml {
  const clean = sanitizeRemoteHtml(storedHtml);
  const parts = clean.split(/(<[^>]*>)/);
  return new SafeHtml(parts.map((part, i) => (i % 2 === 1 ? part : replaceShortcodes(part, emojis))).join(''));
}

/** Text for meta descriptions: tags dropped, entities decoded, whitespace collapsed, bounded. */
export function plainSummary(storedHtml: string, max = 160): string {
  const text = htmlToPlainText(storedHtml).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
