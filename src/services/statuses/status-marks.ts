import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { bookmarks, favourites, statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { visibleTo } from './visibility.ts';

type MarkTable = typeof bookmarks | typeof favourites;

/**
 * A page of the statuses a member bookmarked or favourited, newest mark first, paginated by the
 * mark's id (the ids the Link header carries). Statuses they can no longer see are left out.
 */
export async function markedStatuses(ctx: AppContext, table: MarkTable, viewerId: string, page: Page): Promise<{ markIds: string[]; rows: StatusRow[] }> {
  const found = await ctx.db
    .select({ markId: table.id, status: statuses })
    .from(table)
    .innerJoin(statuses, eq(statuses.id, table.statusId))
    .where(sql`${table.accountId} = ${viewerId} AND ${pageCondition(table.id, page)} AND ${visibleTo(viewerId)}`)
    .orderBy(pageOrder(table.id, page))
    .limit(page.limit);
  const rows = finishPage(found, page);
  return { markIds: rows.map((row) => row.markId), rows: rows.map((row) => row.status) };
}

/** `GET /api/v1/bookmarks`: a page of the member's bookmarked statuses. */
export const bookmarkedStatuses = (ctx: AppContext, viewerId: string, page: Page) => markedStatuses(ctx, bookmarks, viewerId, page);

/** `GET /api/v1/favourites`: a page of the member's favourited statuses. */
export const favouritedStatuses = (ctx: AppContext, viewerId: string, page: Page) => markedStatuses(ctx, favourites, viewerId, page);
