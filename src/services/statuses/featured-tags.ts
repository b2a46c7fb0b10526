import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { featuredTags, tags } from '../../db/schema.ts';
import { validationFailed } from '../../lib/errors.ts';
import { FEATURED_TAGS_LIMIT, type FeaturedTagRow, type TagRow } from './tag-entities.ts';

/** An account's featured tags, oldest first. */
export async function featuredTagsOf(ctx: AppContext, accountId: string): Promise<FeaturedTagRow[]> {
  return ctx.db.select().from(featuredTags).where(eq(featuredTags.accountId, accountId)).orderBy(asc(featuredTags.id));
}

/** Adds a featured tag to a profile, up to Mastodon's limit of ten; featuring one again is a no-op. */
export async function featureTag(ctx: AppContext, accountId: string, tagId: string): Promise<FeaturedTagRow> {
  const [existing] = await ctx.db
    .select()
    .from(featuredTags)
    .where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tagId)));
  if (existing) return existing;
  const [{ value }] = (await ctx.db.select({ value: count() }).from(featuredTags).where(eq(featuredTags.accountId, accountId))) as [{ value: number }];
  if (Number(value) >= FEATURED_TAGS_LIMIT) throw validationFailed(['You have already featured the maximum number of hashtags']);
  await ctx.db.insert(featuredTags).values({ accountId, tagId }).onConflictDoNothing();
  const [row] = await ctx.db
    .select()
    .from(featuredTags)
    .where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tagId)));
  return row!;
}

/** The tag is no longer featured on the profile (nothing happens when it was not). */
export async function unfeatureTag(ctx: AppContext, accountId: string, tagId: string): Promise<void> {
  await ctx.db.delete(featuredTags).where(and(eq(featuredTags.accountId, accountId), eq(featuredTags.tagId, tagId)));
}

/** Removes a featured tag by its id; false when the account has none with that id. */
export async function removeFeaturedTag(ctx: AppContext, accountId: string, id: string): Promise<boolean> {
  const deleted = await ctx.db
    .delete(featuredTags)
    .where(and(eq(featuredTags.id, id), eq(featuredTags.accountId, accountId)))
    .returning({ id: featuredTags.id });
  return deleted.length > 0;
}

/** The tags the member used most lately that they have not featured yet (Tag.suggestions_for_account). */
export async function featuredTagSuggestions(ctx: AppContext, accountId: string): Promise<TagRow[]> {
  const rows = await ctx.db
    .select({ tag: tags })
    .from(tags)
    .where(
      sql`${tags.id} IN (SELECT st.tag_id FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
                           WHERE s.account_id = ${accountId} AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL)
          AND ${tags.id} NOT IN (SELECT tag_id FROM featured_tags WHERE account_id = ${accountId})`,
    )
    .orderBy(
      desc(sql`(SELECT max(s.id) FROM statuses_tags st JOIN statuses s ON s.id = st.status_id
                 WHERE st.tag_id = ${tags.id} AND s.account_id = ${accountId} AND s.deleted_at IS NULL)`),
    )
    .limit(10);
  return rows.map((row) => row.tag);
}
