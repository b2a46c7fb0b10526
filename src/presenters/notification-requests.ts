import type { NotificationRequestRow } from '../services/notifications/notification-requests.ts';
import type { AppContext } from '../context.ts';
import { renderSendersAndStatuses } from './notifications.ts';

/** REST::NotificationRequestSerializer, in the order given. */
export async function renderNotificationRequests(ctx: AppContext, viewerId: string, rows: NotificationRequestRow[]) {
  const { accountsById, statusesById } = await renderSendersAndStatuses(ctx, viewerId, rows, (row) => row.lastStatusId);
  return rows
    .filter((row) => accountsById.has(row.fromAccountId))
    .map((row) => ({
      id: row.id,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      notifications_count: String(row.notificationsCount),
      account: accountsById.get(row.fromAccountId),
      last_status: (row.lastStatusId && statusesById.get(row.lastStatusId)) || null,
    }));
}
