import { type SQL, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { finishPage, type Page, pageCondition, pageOrder } from '../feeds/pagination.ts';
import { notHiddenFrom, reblogOriginals, visibleTo } from './visibility.ts';

export interface AccountStatusesFilter {
  pinned?: boolean;
  excludeReplies?: boolean;
  excludeReblogs?: boolean;
  onlyMedia?: boolean;
  /** a hashtag's name, without the `#` */
  tagged?: string;
}

/**
 * `GET /api/v1/accounts/:id/statuses`: a page of an account's statuses the viewer may see, newest
 * first; reblogs only of originals the viewer may see.
 */
export async function accountStatuses(ctx: AppContext, accountId: string, viewerId: string | null, filter: AccountStatusesFilter, page: Page): Promise<StatusRow[]> {
  const conditions: SQL[] = [sql`${statuses.accountId} = ${accountId}`, visibleTo(viewerId), pageCondition(statuses.id, page)];
  conditions.push(sql`(${statuses.reblogOfId} IS NULL OR EXISTS (
    SELECT 1 FROM statuses original WHERE ${reblogOriginals.id} = ${statuses.reblogOfId}
      AND ${visibleTo(viewerId, reblogOriginals)} AND ${notHiddenFrom(viewerId, reblogOriginals)}))`);
  if (filter.pinned) {
    conditions.push(sql`EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = ${statuses.id} AND p.account_id = ${accountId})`);
  }
  if (filter.excludeReplies) {
    conditions.push(sql`(${statuses.inReplyToId} IS NULL OR ${statuses.inReplyToAccountId} = ${accountId})`);
  }
  if (filter.excludeReblogs) conditions.push(sql`${statuses.reblogOfId} IS NULL`);
  if (filter.onlyMedia) {
    // the account's own posts with media, as Mastodon's account_media_status_ids
    conditions.push(sql`${statuses.reblogOfId} IS NULL AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = ${statuses.id})`);
  }
  if (filter.tagged) {
    conditions.push(sql`EXISTS (SELECT 1 FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = ${statuses.id} AND lower(t.name) = lower(${filter.tagged}))`);
  }
  const rows = await ctx.db.select().from(statuses).where(sql.join(conditions, sql` AND `)).orderBy(pageOrder(statuses.id, page)).limit(page.limit);
  return finishPage(rows, page);
}
