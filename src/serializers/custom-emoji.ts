import { baseUrl } from '../config/index.ts';
import type { CustomEmojiRow } from '../db/schema.ts';
import type { MediaUrls } from './media-urls.ts';

/** Paths kept without a host are made absolute on this instance; full URLs are kept as they are. */
function absolute(ctx: MediaUrls, url: string): string {
  return url.startsWith('/') ? `${baseUrl(ctx.config)}${url}` : url;
}

/**
 * Where an emoji's image and its still version are shown from: the stored files (a local emoji,
 * or a remote one's cached copy), else the remote emoji's origin.
 */
export function emojiImageUrls(ctx: MediaUrls, emoji: CustomEmojiRow): { url: string; staticUrl: string } {
  if (emoji.imageFileKey) {
    const url = ctx.storage.url(emoji.imageFileKey);
    return { url, staticUrl: emoji.imageStaticFileKey ? ctx.storage.url(emoji.imageStaticFileKey) : url };
  }
  const url = absolute(ctx, emoji.imageUrl ?? '');
  return { url, staticUrl: emoji.staticImageUrl ? absolute(ctx, emoji.staticImageUrl) : url };
}

/** Mastodon's CustomEmoji entity (REST::CustomEmojiSerializer); `category` only when the emoji has one. */
export function serializeCustomEmoji(ctx: MediaUrls, emoji: CustomEmojiRow) {
  const { url, staticUrl } = emojiImageUrls(ctx, emoji);
  return {
    shortcode: emoji.shortcode,
    url,
    static_url: staticUrl,
    visible_in_picker: emoji.visibleInPicker,
    ...(emoji.category ? { category: emoji.category } : {}),
  };
}

export type CustomEmojiEntity = ReturnType<typeof serializeCustomEmoji>;
