import { sql } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { tags } from '../../db/schema.ts';
import { INSTANCE_LIMITS } from '../../lib/instance-limits.ts';
import { idFloor } from '../../lib/ids.ts';
import type { TagRow, FeaturedTagRow } from '../../db/schema.ts';

export type { TagRow, FeaturedTagRow };

/**
 * Mastodon's Tag::HASHTAG_NAME_RE: word characters, with `·` and ZWNJ allowed inside, and at least
 * one that is not a digit.
 */
const HASHTAG_NAME =
  /^(?:[\p{L}\p{M}\p{N}\p{Pc}][\p{L}\p{M}\p{N}\p{Pc}·\u200c]*[\p{L}\p{M}_·\u200c][\p{L}\p{M}\p{N}\p{Pc}·\u200c]*[\p{L}\p{M}\p{N}\p{Pc}]|[\p{L}\p{M}\p{N}\p{Pc}]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}\p{Pc}]*)$/u;

export function validTagName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && HASHTAG_NAME.test(name);
}

export async function findTagByName(ctx: AppContext, name: string): Promise<TagRow | undefined> {
  if (!validTagName(name)) return undefined;
  const [row] = await ctx.db.select().from(tags).where(sql`lower(${tags.name}) = lower(${name})`).limit(1);
  return row;
}

/** The tag with this name (case-insensitively), made if it is new; undefined for an invalid name. */
export async function findOrCreateTag(ctx: AppContext, name: string): Promise<TagRow | undefined> {
  if (!validTagName(name)) return undefined;
  const existing = await findTagByName(ctx, name);
  if (existing) return existing;
  await ctx.db.insert(tags).values({ name }).onConflictDoNothing();
  return findTagByName(ctx, name);
}

export const tagUrl = (ctx: AppContext, name: string) => `${baseUrl(ctx.config)}/tags/${encodeURIComponent(name.toLowerCase())}`;

/** Uses of each tag per day over the last week (Mastodon's Tag history), newest day first. */
export async function tagHistories(ctx: AppContext, tagIds: string[]): Promise<Map<string, { day: string; uses: string; accounts: string }[]>> {
  const today = Math.floor(Date.now() / 86_400_000) * 86_400;
  const days = Array.from({ length: 7 }, (_, i) => today - i * 86_400);
  const histories = new Map(tagIds.map((id) => [id, days.map((day) => ({ day: String(day), uses: '0', accounts: '0' }))]));
  if (tagIds.length === 0) return histories;
  const rows = await queryRows<{ tag_id: string; day: string; uses: string; accounts: string }>(
    ctx.db,
    sql`SELECT st.tag_id::text AS tag_id,
               (floor(extract(epoch FROM s.created_at) / 86400) * 86400)::bigint::text AS day,
               count(*)::text AS uses, count(DISTINCT s.account_id)::text AS accounts
          FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
         WHERE st.tag_id IN (${sql.join(
           tagIds.map((id) => sql`${id}`),
           sql`, `,
         )})
           -- ids are time-ordered: the week is a range of the tag's status ids, not all its uses ever
           AND st.status_id >= ${idFloor(new Date(days[6]! * 1000))}
           AND s.deleted_at IS NULL AND s.created_at >= to_timestamp(${days[6]!})
           -- only what anyone may see counts, as in Mastodon's trends: no private or direct posts, no boosts
           AND s.visibility = 'public' AND s.reblog_of_id IS NULL
         GROUP BY 1, 2`,
  );
  for (const row of rows) {
    const entry = histories.get(String(row.tag_id))?.find((h) => h.day === String(row.day));
    if (entry) {
      entry.uses = String(row.uses);
      entry.accounts = String(row.accounts);
    }
  }
  return histories;
}

export const FEATURED_TAGS_LIMIT = INSTANCE_LIMITS.accounts.max_featured_tags;
