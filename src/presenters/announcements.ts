import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { announcementMutes, announcementReactions, customEmojis, statuses } from '../db/schema.ts';
import type { AnnouncementRow } from '../db/schema.ts';
import type { CustomEmojiRow } from '../db/schema.ts';
import { tagUrl } from '../services/statuses/tag-entities.ts';
import { extractHashtags, formatStatus } from '../services/statuses/text/format-status.ts';
import { URL_PATTERN } from '../lib/text/plain-to-html.ts';
import { serializeCustomEmoji } from '../serializers/custom-emoji.ts';
import type { MediaUrls } from '../serializers/media-urls.ts';

/** CustomEmoji::SCAN_RE: `:shortcode:` not touching letters, digits or other colons. */
const EMOJI_SCAN = /(?<=[^\p{L}\p{N}:]|^):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gmu;

const shortcodesIn = (text: string) => [...new Set([...text.matchAll(EMOJI_SCAN)].map((m) => m[1]!))];
const urlsIn = (text: string) => [...new Set(text.match(URL_PATTERN) ?? [])];

export interface ReactionCount {
  name: string;
  count: number;
  /** whether the viewer reacted so; absent when rendered for nobody */
  me?: boolean;
}

/** REST::ReactionSerializer: a custom emoji's reaction carries its image. */
export function renderReaction(ctx: MediaUrls, reaction: ReactionCount, emoji: CustomEmojiRow | undefined) {
  const images = emoji ? serializeCustomEmoji(ctx, emoji) : undefined;
  return {
    name: reaction.name,
    count: reaction.count,
    ...(reaction.me === undefined ? {} : { me: reaction.me }),
    ...(images ? { url: images.url, static_url: images.static_url } : {}),
  };
}

async function emojisById(ctx: AppContext, ids: string[]): Promise<Map<string, CustomEmojiRow>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .select()
    .from(customEmojis)
    .where(inArray(customEmojis.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, row]));
}

interface ReactionRow {
  announcement_id: string;
  name: string;
  custom_emoji_id: string | null;
  count: number;
  me: boolean;
}

/** Reactions per announcement, each name once, in the order they were first given (Announcement#reactions). */
async function reactionsOf(ctx: AppContext, ids: string[], viewerId: string | null): Promise<ReactionRow[]> {
  return queryRows<ReactionRow>(
    ctx.db,
    sql`SELECT r.announcement_id::text AS announcement_id, r.name, max(r.custom_emoji_id)::text AS custom_emoji_id,
               count(*)::int AS count, coalesce(bool_or(r.account_id = ${viewerId ?? '0'}::bigint), false) AS me
          FROM ${announcementReactions} r
         WHERE r.announcement_id IN (${sql.join(
           ids.map((id) => sql`${id}::bigint`),
           sql`, `,
         )})
         GROUP BY r.announcement_id, r.name
         ORDER BY min(r.created_at), r.name`,
  );
}

/** The public and unlisted statuses this instance has that the text links to (Status.from_text), in the text's order. */
async function linkedStatuses(ctx: AppContext, urls: string[]): Promise<{ id: string; url: string | null; uri: string | null }[]> {
  if (urls.length === 0) return [];
  return ctx.db
    .select({ id: statuses.id, url: statuses.url, uri: statuses.uri })
    .from(statuses)
    .where(
      and(
        or(inArray(statuses.uri, urls), inArray(statuses.url, urls)),
        inArray(statuses.visibility, ['public', 'unlisted']),
        isNull(statuses.deletedAt),
        sql`NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = ${statuses.accountId} AND sa.suspended_at IS NOT NULL)`,
      ),
    );
}

/**
 * REST::AnnouncementSerializer for a list of announcements, for `viewerId` (whose `read` and
 * reactions' `me` are shown), or for nobody (what the streaming tier gets).
 */
export async function renderAnnouncements(ctx: AppContext, rows: AnnouncementRow[], viewerId: string | null) {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const formatted = await Promise.all(rows.map((row) => formatStatus(ctx, row.text)));
  const shortcodes = [...new Set(rows.flatMap((row) => shortcodesIn(row.text)))];
  const textEmojis = shortcodes.length
    ? await ctx.db
        .select()
        .from(customEmojis)
        .where(and(isNull(customEmojis.domain), eq(customEmojis.disabled, false), inArray(customEmojis.shortcode, shortcodes)))
    : [];
  const emojiByShortcode = new Map(textEmojis.map((emoji) => [emoji.shortcode, emoji]));
  const linked = await linkedStatuses(ctx, [...new Set(rows.flatMap((row) => urlsIn(row.text)))]);
  const reactions = await reactionsOf(ctx, ids, viewerId);
  const reactionEmojis = await emojisById(
    ctx,
    reactions.flatMap((r) => (r.custom_emoji_id ? [r.custom_emoji_id] : [])),
  );
  const read = viewerId
    ? new Set(
        (
          await ctx.db
            .select({ id: announcementMutes.announcementId })
            .from(announcementMutes)
            .where(and(eq(announcementMutes.accountId, viewerId), inArray(announcementMutes.announcementId, ids)))
        ).map((row) => row.id),
      )
    : undefined;

  return rows.map((row, index) => {
    const urls = urlsIn(row.text);
    const statusesHere = urls.flatMap((url) => linked.filter((status) => status.url === url || status.uri === url));
    return {
      id: row.id,
      content: formatted[index]!.html,
      starts_at: row.startsAt?.toISOString() ?? null,
      ends_at: row.endsAt?.toISOString() ?? null,
      all_day: row.allDay,
      published_at: row.publishedAt?.toISOString() ?? null,
      updated_at: row.updatedAt.toISOString(),
      ...(read ? { read: read.has(row.id) } : {}),
      mentions: formatted[index]!.mentionedAccounts.map((account) => ({
        id: account.id,
        username: account.username,
        url: account.url ?? account.uri,
        acct: account.domain ? `${account.username}@${account.domain}` : account.username,
      })),
      statuses: [...new Map(statusesHere.map((status) => [status.id, { id: status.id, url: status.url ?? status.uri }])).values()],
      tags: extractHashtags(row.text).map((name) => ({ name: name.toLowerCase(), url: tagUrl(ctx, name) })),
      emojis: shortcodesIn(row.text).flatMap((code) => {
        const emoji = emojiByShortcode.get(code);
        return emoji ? [serializeCustomEmoji(ctx, emoji)] : [];
      }),
      reactions: reactions
        .filter((reaction) => reaction.announcement_id === row.id)
        .map((reaction) =>
          renderReaction(
            ctx,
            { name: reaction.name, count: reaction.count, ...(viewerId ? { me: reaction.me } : {}) },
            reaction.custom_emoji_id ? reactionEmojis.get(reaction.custom_emoji_id) : undefined,
          ),
        ),
    };
  });
}

export async function renderAnnouncement(ctx: AppContext, row: AnnouncementRow, viewerId: string | null) {
  const [rendered] = await renderAnnouncements(ctx, [row], viewerId);
  return rendered!;
}
