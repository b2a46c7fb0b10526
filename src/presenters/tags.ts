import { tagHistories, tagUrl, type TagRow, type FeaturedTagRow } from '../services/statuses/tag-entities.ts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { featuredTags, tagFollows, tags } from '../db/schema.ts';

/** Mastodon's Tag entity (REST::TagSerializer), with `following` and `featuring` for a signed-in viewer. */
export async function renderTags(ctx: AppContext, rows: TagRow[], viewerId: string | null) {
  const ids = rows.map((row) => row.id);
  const [histories, followed, featured] = await Promise.all([
    tagHistories(ctx, ids),
    viewerId && ids.length
      ? ctx.db
          .select({ tagId: tagFollows.tagId })
          .from(tagFollows)
          .where(and(eq(tagFollows.accountId, viewerId), inArray(tagFollows.tagId, ids)))
      : [],
    viewerId && ids.length
      ? ctx.db
          .select({ tagId: featuredTags.tagId })
          .from(featuredTags)
          .where(and(eq(featuredTags.accountId, viewerId), inArray(featuredTags.tagId, ids)))
      : [],
  ]);
  const following = new Set(followed.map((row) => row.tagId));
  const featuring = new Set(featured.map((row) => row.tagId));
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    url: tagUrl(ctx, row.name),
    history: histories.get(row.id) ?? [],
    ...(viewerId ? { following: following.has(row.id), featuring: featuring.has(row.id) } : {}),
  }));
}

export async function renderTag(ctx: AppContext, row: TagRow, viewerId: string | null) {
  return (await renderTags(ctx, [row], viewerId))[0]!;
}

/** Mastodon's FeaturedTag entity: counted from the member's public and unlisted statuses with the tag. */
export async function renderFeaturedTags(ctx: AppContext, account: { id: string; username: string }, rows: FeaturedTagRow[]) {
  if (rows.length === 0) return [];
  const tagRows = await ctx.db
    .select()
    .from(tags)
    .where(
      inArray(
        tags.id,
        rows.map((row) => row.tagId),
      ),
    );
  const tagsById = new Map(tagRows.map((tag) => [tag.id, tag]));
  const stats = await queryRows<{ tag_id: string; statuses_count: string; last_status_at: Date | string | null }>(
    ctx.db,
    sql`SELECT st.tag_id::text AS tag_id, count(*)::text AS statuses_count, max(s.created_at) AS last_status_at
          FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
         WHERE s.account_id = ${account.id} AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
           AND s.visibility IN ('public', 'unlisted')
           AND st.tag_id IN (${sql.join(
             rows.map((row) => sql`${row.tagId}`),
             sql`, `,
           )})
         GROUP BY st.tag_id`,
  );
  const statsByTag = new Map(stats.map((row) => [String(row.tag_id), row]));
  const base = baseUrl(ctx.config);
  return rows
    .filter((row) => tagsById.has(row.tagId))
    .map((row) => {
      const tag = tagsById.get(row.tagId)!;
      const stat = statsByTag.get(row.tagId);
      const last = stat?.last_status_at ? new Date(stat.last_status_at) : null;
      return {
        id: row.id,
        name: tag.name,
        url: `${base}/@${account.username}/tagged/${encodeURIComponent(tag.name.toLowerCase())}`,
        statuses_count: stat ? String(stat.statuses_count) : '0',
        last_status_at: last ? last.toISOString().slice(0, 10) : null,
      };
    });
}
