import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { tags } from '../../db/schema.ts';
import type { TagRow } from '../statuses/tag-entities.ts';
import { escapeLike } from './accounts.ts';

/**
 * Usable, listable hashtags whose names start with `q` (a leading `#` is dropped) or are like it
 * (pg_trgm similarity, through the trigram index) (Mastodon's TagSearchService): the exact name
 * first, then prefixes, then by trend (the current trend score, then the peak one), then the closest
 * and shortest names. With `excludeUnreviewed`, only the exact name and hashtags staff reviewed.
 */
export async function searchHashtags(ctx: AppContext, q: string, options: { limit: number; offset: number; excludeUnreviewed: boolean }): Promise<TagRow[]> {
  const name = q.trim().replace(/^#/, '').toLowerCase();
  if (name === '' || options.limit <= 0) return [];
  const exact = sql`(lower(${tags.name}) = ${name})`;
  const prefix = sql`(lower(${tags.name}) LIKE ${`${escapeLike(name)}%`})`;
  const reviewed = options.excludeUnreviewed ? sql`AND (${exact} OR ${tags.reviewedAt} IS NOT NULL)` : sql``;
  return ctx.db
    .select()
    .from(tags)
    .where(sql`(${prefix} OR lower(${tags.name}) % ${name}) AND ${tags.usable} AND ${tags.listable} ${reviewed}`)
    .orderBy(
      sql`${exact} DESC`,
      sql`${prefix} DESC`,
      sql`coalesce((SELECT tt.score FROM tag_trends tt WHERE tt.tag_id = ${tags.id} AND tt.allowed), 0) DESC`,
      sql`coalesce(${tags.maxScore}, 0) DESC`,
      sql`similarity(lower(${tags.name}), ${name}) DESC`,
      sql`length(${tags.name})`,
      sql`${tags.name}`,
    )
    .offset(options.offset)
    .limit(options.limit);
}
