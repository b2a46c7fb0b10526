import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { customEmojis } from '../db/schema.ts';
import { serializeCustomEmoji } from './custom-emoji.ts';

/** Mastodon's CustomEmoji::SCAN_RE: `:shortcode:` standing apart from letters, digits and colons. */
const SHORTCODE = /(?<=^|[^\p{L}\p{N}:]):([a-zA-Z0-9_]{2,}):(?=$|[^\p{L}\p{N}:])/gmu;

function shortcodesIn(texts: string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(SHORTCODE)) found.add(match[1]!);
  return [...found];
}

interface EmojifiableStatus {
  id: string;
  content: string;
  spoilerText: string;
  /** the author's domain: a status shows the custom emoji of its own server (null for local ones) */
  domain: string | null;
}

/**
 * The custom emoji each status uses (Mastodon's Status#emojis, CustomEmoji.from_text): those of
 * the author's server whose shortcodes appear in its text or warning, enabled, in one query.
 */
export async function emojisOfStatuses(ctx: AppContext, rows: EmojifiableStatus[]): Promise<Map<string, ReturnType<typeof serializeCustomEmoji>[]>> {
  const wanted = new Map(rows.map((row) => [row.id, shortcodesIn([row.spoilerText, row.content])]));
  const result = new Map<string, ReturnType<typeof serializeCustomEmoji>[]>();
  const shortcodes = [...new Set([...wanted.values()].flat())];
  if (shortcodes.length === 0) return result;
  const domains = [...new Set(rows.map((row) => row.domain ?? ''))];
  const emojis = await ctx.db
    .select()
    .from(customEmojis)
    .where(and(inArray(customEmojis.shortcode, shortcodes), inArray(sql`coalesce(${customEmojis.domain}, '')`, domains), eq(customEmojis.disabled, false)));
  const byKey = new Map(emojis.map((emoji) => [`${emoji.domain ?? ''} ${emoji.shortcode}`, emoji]));
  for (const row of rows) {
    const found = (wanted.get(row.id) ?? []).flatMap((shortcode) => {
      const emoji = byKey.get(`${row.domain ?? ''} ${shortcode}`);
      return emoji ? [serializeCustomEmoji(ctx, emoji)] : [];
    });
    if (found.length) result.set(row.id, found);
  }
  return result;
}
