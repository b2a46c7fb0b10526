import { STATUS_TYPES, type NotificationRow, type NotificationGroupData } from '../services/notifications/notifications.ts';
import type { AppContext } from '../context.ts';
import { renderStatuses } from './statuses.ts';
import type { StatusRow } from '../serializers/status.ts';
import type { Status } from '../serializers/entities.ts';
import { statusRowsById } from '../services/statuses/entities.ts';
import { renderAccountsById } from './accounts.ts';
import { renderModerationSubjects } from './moderation-subjects.ts';

/** Renders the statuses notifications refer to, with what the member's filters find in them. */
export async function renderNoticedStatuses(ctx: AppContext, viewerId: string, statusIds: string[]): Promise<Map<string, Status>> {
  const rowsById = await statusRowsById(ctx, statusIds);
  const rows: StatusRow[] = [...rowsById.values()];
  const rendered = await renderStatuses(ctx, rows, { viewerId });
  return new Map(rows.map((row, i) => [row.id, rendered[i]!]));
}

/** The accounts behind notifications (or requests) and the statuses they refer to, rendered for the viewer. */
export async function renderSendersAndStatuses<R extends { fromAccountId: string }>(ctx: AppContext, viewerId: string, rows: readonly R[], statusOf: (row: R) => string | null) {
  const statusIds = rows.map(statusOf).filter((id): id is string => !!id);
  const [accountsById, statusesById] = await Promise.all([
    renderAccountsById(
      ctx,
      rows.map((row) => row.fromAccountId),
    ),
    renderNoticedStatuses(ctx, viewerId, statusIds),
  ]);
  return { accountsById, statusesById };
}

/** Mastodon's Notification entity (REST::NotificationSerializer), in the order given. */
export async function renderNotifications(ctx: AppContext, viewerId: string, rows: NotificationRow[]) {
  const [{ accountsById, statusesById }, { reports, warnings }] = await Promise.all([renderSendersAndStatuses(ctx, viewerId, rows, (row) => row.statusId), renderModerationSubjects(ctx, rows)]);
  return rows
    .filter((row) => accountsById.has(row.fromAccountId) && (!row.statusId || statusesById.has(row.statusId)))
    .map((row) => ({
      id: row.id,
      type: row.type,
      created_at: row.createdAt.toISOString(),
      group_key: row.groupKey ?? `ungrouped-${row.id}`,
      account: accountsById.get(row.fromAccountId),
      ...(row.statusId && STATUS_TYPES.has(row.type) ? { status: statusesById.get(row.statusId) } : {}),
      ...(row.reportId && reports.has(row.reportId) ? { report: reports.get(row.reportId) } : {}),
      ...(row.accountWarningId && warnings.has(row.accountWarningId) ? { moderation_warning: warnings.get(row.accountWarningId) } : {}),
    }));
}

/**
 * The v2 response (REST::DedupNotificationGroupSerializer): groups, and the accounts and statuses
 * they refer to, once each. With `expand_accounts=partial_avatars`, only each group's most recent
 * account is rendered in full; the other sample accounts come in `partial_accounts`.
 */
export async function renderGroups(ctx: AppContext, viewerId: string, groups: NotificationGroupData[], options: { partialAvatars?: boolean } = {}) {
  const [accountsById, statusesById, subjects] = await Promise.all([
    renderAccountsById(
      ctx,
      groups.flatMap((g) => g.sampleAccountIds),
    ),
    renderNoticedStatuses(
      ctx,
      viewerId,
      groups.map((g) => g.statusId).filter((id): id is string => !!id),
    ),
    renderModerationSubjects(ctx, groups),
  ]);
  const accountIds = [...new Set(groups.flatMap((g) => g.sampleAccountIds))].filter((id) => accountsById.has(id));
  const statusIds = [...new Set(groups.map((g) => g.statusId).filter((id): id is string => !!id))].filter((id) => statusesById.has(id));
  const body = {
    accounts: accountIds.map((id) => accountsById.get(id)!),
    statuses: statusIds.map((id) => statusesById.get(id)!),
    notification_groups: groups.map((group) => ({
      ...renderGroup(group),
      ...(group.reportId && subjects.reports.has(group.reportId) ? { report: subjects.reports.get(group.reportId) } : {}),
      ...(group.accountWarningId && subjects.warnings.has(group.accountWarningId) ? { moderation_warning: subjects.warnings.get(group.accountWarningId) } : {}),
    })),
  };
  if (!options.partialAvatars) return body;
  const full = new Set(groups.map((g) => g.sampleAccountIds[0]).filter((id): id is string => !!id));
  return {
    ...body,
    accounts: accountIds.filter((id) => full.has(id)).map((id) => accountsById.get(id)!),
    partial_accounts: accountIds
      .filter((id) => !full.has(id))
      .map((id) => {
        const account = accountsById.get(id)!;
        return { id: account.id, acct: account.acct, locked: account.locked, bot: account.bot, url: account.url, avatar: account.avatar, avatar_static: account.avatar_static };
      }),
  };
}

export function renderGroup(group: NotificationGroupData) {
  return {
    group_key: group.groupKey,
    notifications_count: group.count,
    type: group.type,
    most_recent_notification_id: group.mostRecentId,
    page_min_id: group.pageMinId,
    page_max_id: group.pageMaxId,
    latest_page_notification_at: group.latestAt.toISOString(),
    sample_account_ids: group.sampleAccountIds,
    ...(group.statusId && STATUS_TYPES.has(group.type) ? { status_id: group.statusId } : {}),
  };
}
