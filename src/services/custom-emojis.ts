import { and, asc, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { customEmojis } from '../db/schema.ts';

export type CustomEmojiRow = typeof customEmojis.$inferSelect;

/** The emojis offered in the picker (Mastodon's `CustomEmoji.listed`): local, enabled and shown in the picker. */
export async function listedCustomEmojis(ctx: AppContext): Promise<CustomEmojiRow[]> {
  return ctx.db
    .select()
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.disabled, false), eq(customEmojis.visibleInPicker, true)))
    .orderBy(asc(customEmojis.shortcode));
}
