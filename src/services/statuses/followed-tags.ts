import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { tagFollows, tags } from '../../db/schema.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import type { TagRow } from './tag-entities.ts';

/** `GET /api/v1/followed_tags`: a page of the hashtags an account follows, paginated by the follow's id. */
export async function followedTagsPage(ctx: AppContext, accountId: string, page: Page): Promise<{ followIds: string[]; tags: TagRow[] }> {
  const rows = finishPage(
    await ctx.db
      .select({ followId: tagFollows.id, tag: tags })
      .from(tagFollows)
      .innerJoin(tags, eq(tags.id, tagFollows.tagId))
      .where(sql`${tagFollows.accountId} = ${accountId} AND ${pageCondition(tagFollows.id, page)}`)
      .orderBy(pageOrder(tagFollows.id, page))
      .limit(page.limit),
    page,
  );
  return { followIds: rows.map((row) => row.followId), tags: rows.map((row) => row.tag) };
}

/** The account follows the hashtag (again: nothing changes). */
export async function followTag(ctx: AppContext, accountId: string, tagId: string): Promise<void> {
  await ctx.db.insert(tagFollows).values({ accountId, tagId }).onConflictDoNothing();
}

export async function unfollowTag(ctx: AppContext, accountId: string, tagId: string): Promise<void> {
  await ctx.db.delete(tagFollows).where(and(eq(tagFollows.accountId, accountId), eq(tagFollows.tagId, tagId)));
}
