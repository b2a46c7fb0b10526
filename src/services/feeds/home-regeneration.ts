import { sql } from 'drizzle-orm';
import type { FeedPage } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { RegenerateHome } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { homeRebuildSelection, regenerateHome } from './fan-out.ts';
import { finishPage, pageCondition, pageOrder } from './pagination.ts';

/*
 * A home feed that is missing (never built, or dropped when its member came back after being
 * away) is rebuilt by a job, as Mastodon does (User#regenerate_feed!, RegenerationWorker,
 * PrecomputeFeedService): the cache marks the member's feed as regenerating meanwhile, and the
 * home timeline answers 206 with pages read from the database.
 */

/** how long a regeneration may take before the marker lapses and the next read asks again (AsyncRefresh's day) */
const MARKER_SECONDS = 24 * 60 * 60;

const markerKey = (accountId: string) => `account:${accountId}:regeneration`;

export async function isRegenerating(ctx: AppContext, accountId: string): Promise<boolean> {
  return (await ctx.cache.get(markerKey(accountId))) !== null;
}

/** Marks the home feed as regenerating and enqueues its rebuild, unless that is already under way. */
export async function requestHomeRegeneration(ctx: AppContext, accountId: string): Promise<void> {
  if (!(await ctx.cache.setIfAbsent(markerKey(accountId), '1', MARKER_SECONDS))) return;
  try {
    await enqueue(ctx, RegenerateHome, { accountId }, { uniqueKey: `regeneration:${accountId}` });
  } catch (error) {
    await ctx.cache.del(markerKey(accountId)).catch(() => {});
    throw error;
  }
}

/** The RegenerationWorker job: rebuilds the feed, then lets reads go back to it. */
export async function runHomeRegeneration(ctx: AppContext, accountId: string): Promise<void> {
  try {
    await regenerateHome(ctx, accountId);
  } finally {
    await ctx.cache.del(markerKey(accountId));
  }
}

/**
 * A page of the statuses a rebuild would put in the feed (regenerateHome's query: the newest
 * MAX_ITEMS/2 of the member's own and their followees' statuses that pass the home filter),
 * read from the database while the feed itself is not there. Reblogs are not de-duplicated here.
 */
export async function homeIdsFromDatabase(ctx: AppContext, accountId: string, page: FeedPage): Promise<string[]> {
  const rows = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`SELECT candidates.id FROM (${homeRebuildSelection(accountId)}) candidates
        WHERE ${pageCondition(sql`candidates.id`, page)}
        ORDER BY ${pageOrder(sql`candidates.id`, page)} LIMIT ${page.limit}`,
  );
  return finishPage(rows, page).map((row) => String(row.id));
}
