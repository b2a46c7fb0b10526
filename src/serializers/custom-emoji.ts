import { baseUrl, type Config } from '../config/index.ts';
import type { CustomEmojiRow } from '../services/custom-emojis.ts';
import type { MediaUrlContext } from './media-urls.ts';

/** Stored image paths are made absolute on this instance; full URLs are kept as they are. */
function absolute(config: Config, url: string): string {
  return url.startsWith('/') ? `${baseUrl(config)}${url}` : url;
}

/**
 * Mastodon's CustomEmoji entity (REST::CustomEmojiSerializer); `category` only when the emoji has
 * one. A stored image (a remote emoji's cached copy) is served from storage; a remote emoji whose
 * image is not stored yet is shown from its server meanwhile.
 */
export function serializeCustomEmoji(ctx: MediaUrlContext, emoji: CustomEmojiRow) {
  const { config } = ctx;
  const stored = emoji.imageFileKey ? ctx.storage.url(emoji.imageFileKey) : null;
  return {
    shortcode: emoji.shortcode,
    url: stored ?? absolute(config, emoji.imageUrl ?? ''),
    static_url: stored ? (emoji.imageStaticFileKey ? ctx.storage.url(emoji.imageStaticFileKey) : stored) : absolute(config, emoji.staticImageUrl ?? emoji.imageUrl ?? ''),
    visible_in_picker: emoji.visibleInPicker,
    ...(emoji.category ? { category: emoji.category } : {}),
  };
}
