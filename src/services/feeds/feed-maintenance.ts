import { eq } from 'drizzle-orm';
import { homeFeed, listFeed } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { lists } from '../../db/schema.ts';
import { regenerateHome, regenerateList } from './fan-out.ts';

/*
 * tootctl feeds build|clear: a member's home and list feeds rebuilt from the database now, or
 * dropped (a dropped home feed is rebuilt when its member next reads it, as after being away).
 */

const listsOf = (ctx: AppContext, accountId: string) => ctx.db.select({ id: lists.id }).from(lists).where(eq(lists.accountId, accountId));

export async function buildFeeds(ctx: AppContext, accountId: string): Promise<void> {
  await regenerateHome(ctx, accountId);
  for (const list of await listsOf(ctx, accountId)) await regenerateList(ctx, list.id, accountId);
}

export async function clearFeeds(ctx: AppContext, accountId: string): Promise<void> {
  await ctx.feeds.clear(homeFeed(accountId));
  for (const list of await listsOf(ctx, accountId)) await ctx.feeds.clear(listFeed(list.id));
}
