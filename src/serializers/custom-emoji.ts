import { baseUrl, type Config } from '../config/index.ts';
import type { CustomEmojiRow } from '../services/custom-emojis.ts';

/** Stored image paths are made absolute on this instance; full URLs are kept as they are. */
function absolute(config: Config, url: string): string {
  return url.startsWith('/') ? `${baseUrl(config)}${url}` : url;
}

/** Mastodon's CustomEmoji entity (REST::CustomEmojiSerializer); `category` only when the emoji has one. */
export function serializeCustomEmoji(config: Config, emoji: CustomEmojiRow) {
  return {
    shortcode: emoji.shortcode,
    url: absolute(config, emoji.imageUrl ?? ''),
    static_url: absolute(config, emoji.staticImageUrl ?? emoji.imageUrl ?? ''),
    visible_in_picker: emoji.visibleInPicker,
    ...(emoji.category ? { category: emoji.category } : {}),
  };
}
