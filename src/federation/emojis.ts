import type { Federation } from '@fedify/fedify';
import { Emoji, Image } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { and, eq, isNull } from 'drizzle-orm';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { customEmojis } from '../db/schema.ts';
import { rowId } from '../lib/ids.ts';
import { emojiImageUrls } from '../serializers/custom-emoji.ts';
import type { CustomEmojiRow } from '../services/emojis/custom-emojis.ts';

/** Mastodon's emoji_url: where a local emoji's ActivityPub object is served. */
export const EMOJI_PATH = '/emojis/{id}';

function emojiUri(ctx: AppContext, emoji: CustomEmojiRow): string | null {
  return emoji.domain === null ? `${baseUrl(ctx.config)}/emojis/${emoji.id}` : emoji.uri;
}

/**
 * An emoji as Mastodon's ActivityPub::EmojiSerializer shows it, in a Note's or an actor's `tag` and
 * at its own URI: `:shortcode:` as its name, its image as the icon. Null for one without an image.
 */
export function emojiObject(ctx: AppContext, emoji: CustomEmojiRow): Emoji | null {
  const { url } = emojiImageUrls(ctx, emoji);
  const id = emojiUri(ctx, emoji);
  if (!url || !URL.canParse(url)) return null;
  return new Emoji({
    id: id ? new URL(id) : null,
    name: `:${emoji.shortcode}:`,
    icon: new Image({ mediaType: emoji.imageContentType, url: new URL(url) }),
    // whole seconds, as Mastodon's iso8601
    updated: Temporal.Instant.fromEpochMilliseconds(Math.floor(emoji.updatedAt.getTime() / 1000) * 1000),
  });
}

/** Emoji tags of these emoji, those without an image left out. */
export const emojiTags = (ctx: AppContext, emojis: readonly CustomEmojiRow[]): Emoji[] => emojis.flatMap((emoji) => emojiObject(ctx, emoji) ?? []);

/** `/emojis/:id` (Mastodon's EmojisController): a local emoji, disabled or not, as an Emoji object for anyone who asks. */
export function registerEmojiObjects(federation: Federation<AppContext>) {
  federation.setObjectDispatcher(Emoji, EMOJI_PATH, async (fctx, { id }) => {
    const emojiId = rowId(id);
    if (!emojiId) return null;
    const [emoji] = await fctx.data.db
      .select()
      .from(customEmojis)
      .where(and(eq(customEmojis.id, emojiId), isNull(customEmojis.domain)));
    return emoji ? emojiObject(fctx.data, emoji) : null;
  });
}
