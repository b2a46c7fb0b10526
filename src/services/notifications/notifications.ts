import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { markers, notificationRequests, notifications, statuses } from '../../db/schema.ts';
import { pageCondition, pageOrder, finishPage, type Page } from '../feeds/pagination.ts';
import { notHiddenFrom, visibleTo } from '../statuses/visibility.ts';
import type { NotificationRow } from '../../db/schema.ts';

export type { NotificationRow };

/** Types that carry a status (Mastodon's Notification#target_status). */
export const STATUS_TYPES: ReadonlySet<string> = new Set(['mention', 'status', 'reblog', 'favourite', 'poll', 'update', 'quote', 'quoted_update']);

/** Mastodon's NotificationGroup::GROUPABLE_NOTIFICATION_TYPES. */
export const GROUPABLE_TYPES = ['favourite', 'reblog', 'follow'] as const;

export interface NotificationQuery {
  types?: string[];
  excludeTypes?: string[];
  accountId?: string;
  /** also the notifications the member's policy filtered (always with `accountId`, as in Mastodon) */
  includeFiltered?: boolean;
}

/**
 * `POST /api/v1/notifications/clear`: all the member's notifications, filtered ones too, as
 * Mastodon's `notifications.delete_all`; the requests that stood for the filtered ones go with them,
 * so the policy's summary and the requests list do not count notifications that are gone.
 */
export async function clearNotifications(ctx: AppContext, accountId: string) {
  await ctx.db.transaction(async (tx) => {
    await tx.delete(notifications).where(eq(notifications.accountId, accountId));
    await tx.delete(notificationRequests).where(eq(notificationRequests.accountId, accountId));
  });
}

const noticedStatus = alias(statuses, 'noticed_status');

/**
 * The notifications a member can browse (Mastodon's `browserable`): of the asked types, none held
 * back by their notification policy unless asked or listing one sender's, none from suspended accounts or from accounts the member blocks or mutes, and none about a status they can
 * no longer see.
 */
export function browsable(viewerId: string, query: NotificationQuery = {}): SQL {
  const parts: SQL[] = [sql`${notifications.accountId} = ${viewerId}`];
  if (query.types?.length) parts.push(inArray(notifications.type, query.types));
  if (query.excludeTypes?.length)
    parts.push(
      sql`${notifications.type} NOT IN (${sql.join(
        query.excludeTypes.map((t) => sql`${t}`),
        sql`, `,
      )})`,
    );
  if (query.accountId) parts.push(eq(notifications.fromAccountId, query.accountId));
  if (!query.includeFiltered && !query.accountId) parts.push(sql`NOT ${notifications.filtered}`);
  parts.push(sql`NOT EXISTS (SELECT 1 FROM accounts fa WHERE fa.id = ${notifications.fromAccountId} AND fa.suspended_at IS NOT NULL)`);
  parts.push(notHiddenFrom(viewerId, { accountId: notifications.fromAccountId } as unknown as Pick<typeof statuses, 'accountId'>));
  parts.push(
    sql`(${notifications.statusId} IS NULL OR EXISTS (SELECT 1 FROM statuses AS "noticed_status" WHERE ${noticedStatus.id} = ${notifications.statusId} AND ${visibleTo(viewerId, noticedStatus as unknown as typeof statuses)}))`,
  );
  return sql.join(parts, sql` AND `);
}

export async function listNotifications(ctx: AppContext, viewerId: string, query: NotificationQuery, page: Page): Promise<NotificationRow[]> {
  const rows = await ctx.db
    .select()
    .from(notifications)
    .where(sql`${browsable(viewerId, query)} AND ${pageCondition(notifications.id, page)}`)
    .orderBy(pageOrder(notifications.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}

export async function findNotification(ctx: AppContext, viewerId: string, id: string): Promise<NotificationRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(notifications)
    .where(sql`${browsable(viewerId, { includeFiltered: true })} AND ${eq(notifications.id, id)}`)
    .limit(1);
  return row;
}

/** The last notification id the member has read (their `notifications` marker). */
export async function notificationsMarker(ctx: AppContext, accountId: string): Promise<string | undefined> {
  const [row] = await ctx.db
    .select({ lastReadId: markers.lastReadId })
    .from(markers)
    .where(and(eq(markers.accountId, accountId), eq(markers.timeline, 'notifications')));
  return row?.lastReadId;
}

// ---- v2 groups -------------------------------------------------------------------------------

/** The key a notification is grouped under: its group_key for a grouped type, `ungrouped-<id>` otherwise. */
export function effectiveGroupKey(groupedTypes: readonly string[]): SQL {
  if (groupedTypes.length === 0) return sql`('ungrouped-' || ${notifications.id}::text)`;
  return sql`(CASE WHEN ${notifications.groupKey} IS NOT NULL AND ${notifications.type} IN (${sql.join(
    groupedTypes.map((t) => sql`${t}`),
    sql`, `,
  )}) THEN ${notifications.groupKey} ELSE 'ungrouped-' || ${notifications.id}::text END)`;
}

export interface GroupPageEntry {
  groupKey: string;
  /** the notification representing the group on this page */
  representativeId: string;
}

/**
 * One page of groups (Mastodon's paginate_groups): each group once, at its newest notification in
 * the id range (its oldest above `min_id` when paging up), newest group first.
 */
export async function pageOfGroups(ctx: AppContext, viewerId: string, query: NotificationQuery, groupedTypes: readonly string[], page: Page): Promise<GroupPageEntry[]> {
  const key = effectiveGroupKey(groupedTypes);
  const pick = page.minId ? sql`min(n.id)` : sql`max(n.id)`;
  const rows = await queryRows<{ group_key: string; representative_id: string }>(
    ctx.db,
    sql`SELECT n.gk AS group_key, ${pick}::text AS representative_id
          FROM (SELECT ${notifications.id} AS id, ${key} AS gk FROM ${notifications}
                 WHERE ${browsable(viewerId, query)} AND ${pageCondition(notifications.id, page)}) AS n
         GROUP BY n.gk
         ORDER BY ${pick} ${page.minId ? sql`ASC` : sql`DESC`}
         LIMIT ${page.limit}`,
  );
  return finishPage(
    rows.map((row) => ({ groupKey: row.group_key, representativeId: String(row.representative_id) })),
    page,
  );
}

export interface NotificationGroupData {
  groupKey: string;
  type: string;
  statusId: string | null;
  count: number;
  mostRecentId: string;
  pageMinId: string;
  pageMaxId: string;
  latestAt: Date;
  sampleAccountIds: string[];
  /** the report of an `admin.report` group, the strike of a `moderation_warning` one */
  reportId: string | null;
  accountWarningId: string | null;
}

const SAMPLE_ACCOUNTS_SIZE = 8;

/** The members of a group (all of them with no range), newest first. */
export async function groupMembers(ctx: AppContext, viewerId: string, groupKey: string, query: NotificationQuery = {}, range?: { lo?: string; hi?: string }) {
  const ungrouped = /^ungrouped-(\d{1,18})$/.exec(groupKey);
  const keyCondition = ungrouped ? eq(notifications.id, ungrouped[1]!) : eq(notifications.groupKey, groupKey);
  const parts: SQL[] = [browsable(viewerId, query), keyCondition];
  if (range?.hi) parts.push(sql`${notifications.id} <= ${range.hi}`);
  return ctx.db.select().from(notifications).where(sql.join(parts, sql` AND `)).orderBy(desc(notifications.id));
}

/**
 * Group data for the groups on a page (Mastodon's NotificationGroup.load_groups_data), in one
 * query: counts, sample accounts and the newest notification up to the page's upper bound, and the
 * oldest notification on the page.
 */
export async function loadGroups(ctx: AppContext, viewerId: string, query: NotificationQuery, entries: GroupPageEntry[], range: { lo?: string; hi?: string }): Promise<NotificationGroupData[]> {
  if (entries.length === 0) return [];
  const ungroupedIds: string[] = [];
  const keys: string[] = [];
  for (const entry of entries) {
    const ungrouped = /^ungrouped-(\d{1,18})$/.exec(entry.groupKey);
    if (ungrouped) ungroupedIds.push(ungrouped[1]!);
    else keys.push(entry.groupKey);
  }
  const members: SQL[] = [];
  if (keys.length)
    members.push(
      sql`${notifications.groupKey} IN (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
  if (ungroupedIds.length)
    members.push(
      sql`${notifications.id} IN (${sql.join(
        ungroupedIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
  const key = sql`CASE WHEN ${notifications.id} IN (${sql.join(
    (ungroupedIds.length ? ungroupedIds : ['0']).map((id) => sql`${id}`),
    sql`, `,
  )})
                       THEN 'ungrouped-' || ${notifications.id}::text ELSE ${notifications.groupKey} END`;
  const rows = await queryRows<{
    group_key: string;
    notifications_count: number | string;
    most_recent_id: string;
    page_min_id: string | null;
    newest_type: string;
    newest_status_id: string | null;
    newest_report_id: string | null;
    newest_account_warning_id: string | null;
    latest_at_ms: string;
    sample_account_ids: string[];
  }>(
    ctx.db,
    sql`SELECT n.gk AS group_key,
               count(*) AS notifications_count,
               max(n.id)::text AS most_recent_id,
               (min(n.id) FILTER (WHERE ${range.lo ? sql`n.id >= ${range.lo}` : sql`TRUE`}))::text AS page_min_id,
               (array_agg(n.type ORDER BY n.id DESC))[1] AS newest_type,
               (array_agg(n.status_id::text ORDER BY n.id DESC))[1] AS newest_status_id,
               (array_agg(n.report_id::text ORDER BY n.id DESC))[1] AS newest_report_id,
               (array_agg(n.account_warning_id::text ORDER BY n.id DESC))[1] AS newest_account_warning_id,
               (array_agg((extract(epoch FROM n.created_at) * 1000)::bigint::text ORDER BY n.id DESC))[1] AS latest_at_ms,
               (array_agg(n.from_account_id::text ORDER BY n.id DESC))[1:${SAMPLE_ACCOUNTS_SIZE}] AS sample_account_ids
          FROM (SELECT ${notifications.id} AS id, ${notifications.type} AS type, ${notifications.statusId} AS status_id,
                       ${notifications.reportId} AS report_id, ${notifications.accountWarningId} AS account_warning_id,
                       ${notifications.createdAt} AS created_at, ${notifications.fromAccountId} AS from_account_id, ${key} AS gk
                  FROM ${notifications}
                 WHERE ${browsable(viewerId, query)} AND (${sql.join(members, sql` OR `)})
                   ${range.hi ? sql`AND ${notifications.id} <= ${range.hi}` : sql``}) AS n
         GROUP BY n.gk`,
  );
  const byKey = new Map(rows.map((row) => [row.group_key, row]));
  const groups: NotificationGroupData[] = [];
  for (const entry of entries) {
    const row = byKey.get(entry.groupKey);
    if (!row) continue;
    const mostRecentId = String(row.most_recent_id);
    groups.push({
      groupKey: entry.groupKey,
      type: row.newest_type,
      statusId: row.newest_status_id === null ? null : String(row.newest_status_id),
      count: Number(row.notifications_count),
      mostRecentId,
      pageMaxId: mostRecentId,
      pageMinId: row.page_min_id === null ? mostRecentId : String(row.page_min_id),
      latestAt: new Date(Number(row.latest_at_ms)),
      sampleAccountIds: (row.sample_account_ids ?? []).map(String),
      reportId: row.newest_report_id,
      accountWarningId: row.newest_account_warning_id,
    });
  }
  return groups;
}
