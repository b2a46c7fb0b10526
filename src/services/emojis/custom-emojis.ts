import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { customEmojis } from '../../db/schema.ts';
import type { CustomEmojiRow } from '../../db/schema.ts';

export type { CustomEmojiRow };

/** The emojis offered in the picker (Mastodon's `CustomEmoji.listed`): local, enabled and shown in the picker. */
export async function listedCustomEmojis(ctx: AppContext): Promise<CustomEmojiRow[]> {
  return ctx.db
    .select()
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.disabled, false), eq(customEmojis.visibleInPicker, true)))
    .orderBy(asc(customEmojis.shortcode));
}

/** Mastodon's CustomEmoji::SCAN_RE: `:shortcode:` standing apart from letters, digits and colons. */
const SHORTCODE_IN_TEXT = /(?<=^|[^\p{L}\p{N}:]):([a-zA-Z0-9_]{2,}):(?=$|[^\p{L}\p{N}:])/gmu;

/** The shortcodes the texts use, each once, in order of first use. */
export function shortcodesIn(texts: readonly string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(SHORTCODE_IN_TEXT)) found.add(match[1]!);
  return [...found];
}

/** Something whose texts may use custom emoji: a status, a poll, a profile. */
export interface EmojifiableText {
  key: string;
  texts: readonly string[];
  /** the author's domain: only the emoji of its own server are its (null for local ones) */
  domain: string | null;
}

/**
 * The custom emoji each item uses (Mastodon's CustomEmoji.from_text): the enabled emoji of the item's
 * own server whose shortcodes appear in its texts, in order of first use, all looked up in one query.
 */
export async function customEmojisInTexts(ctx: AppContext, items: readonly EmojifiableText[]): Promise<Map<string, CustomEmojiRow[]>> {
  const wanted = new Map(items.map((item) => [item.key, shortcodesIn(item.texts)]));
  const result = new Map<string, CustomEmojiRow[]>();
  const shortcodes = [...new Set([...wanted.values()].flat())];
  if (shortcodes.length === 0) return result;
  const domains = [...new Set(items.map((item) => item.domain ?? ''))];
  const emojis = await ctx.db
    .select()
    .from(customEmojis)
    .where(and(inArray(customEmojis.shortcode, shortcodes), inArray(sql`coalesce(${customEmojis.domain}, '')`, domains), eq(customEmojis.disabled, false)));
  const byKey = new Map(emojis.map((emoji) => [`${emoji.domain ?? ''} ${emoji.shortcode}`, emoji]));
  for (const item of items) {
    const found = (wanted.get(item.key) ?? []).flatMap((shortcode) => byKey.get(`${item.domain ?? ''} ${shortcode}`) ?? []);
    if (found.length) result.set(item.key, found);
  }
  return result;
}

const LISTED_CACHE_KEY = 'custom_emojis:listed';
/** Mastodon renders the list with a three-minute cache (render_with_cache); a change to local emoji clears it here. */
const LISTED_CACHE_SECONDS = 180;

/** The picker's emojis as the API shows them (the JSON of `render`), from the cache while it is fresh. */
export async function listedCustomEmojisJson(ctx: AppContext, render: (rows: CustomEmojiRow[]) => unknown): Promise<string> {
  const cached = await ctx.cache.get(LISTED_CACHE_KEY);
  if (cached !== null) return cached;
  const json = JSON.stringify(render(await listedCustomEmojis(ctx)));
  await ctx.cache.set(LISTED_CACHE_KEY, json, LISTED_CACHE_SECONDS);
  return json;
}

/** Clears the cached picker list, after local emoji were added, changed or removed. */
export async function forgetListedCustomEmojis(ctx: AppContext): Promise<void> {
  await ctx.cache.del(LISTED_CACHE_KEY);
}
