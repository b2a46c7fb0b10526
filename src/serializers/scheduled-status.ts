import type { scheduledStatuses } from '../db/schema.ts';

type ScheduledStatusRow = typeof scheduledStatuses.$inferSelect;

/** Mastodon's ScheduledStatus entity (REST::ScheduledStatusSerializer): the stored params without the application. */
export function serializeScheduledStatus(row: ScheduledStatusRow) {
  const { application_id: _applicationId, ...params } = row.params;
  return { id: row.id, scheduled_at: row.scheduledAt.toISOString(), params, media_attachments: [] };
}
