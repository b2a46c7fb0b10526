import type { AppContext } from '../context.ts';
import { renderedMediaByIds } from './media.ts';

import type { ScheduledStatusRow } from '../db/schema.ts';

const mediaIdsOf = (row: ScheduledStatusRow): string[] => (Array.isArray(row.params.media_ids) ? row.params.media_ids.map(String) : []);

/**
 * Mastodon's ScheduledStatus entity (REST::ScheduledStatusSerializer): the stored params without the
 * application, and the uploads it reserves (`media_ids`) as `media_attachments`, in order.
 */
export async function renderScheduledStatuses(ctx: AppContext, rows: ScheduledStatusRow[]) {
  const media = await renderedMediaByIds(ctx, rows.flatMap(mediaIdsOf));
  return rows.map((row) => {
    const { application_id: _applicationId, ...params } = row.params;
    const attachments = mediaIdsOf(row).flatMap((id) => media.get(id) ?? []);
    return { id: row.id, scheduled_at: row.scheduledAt.toISOString(), params, media_attachments: attachments };
  });
}

export async function renderScheduledStatus(ctx: AppContext, row: ScheduledStatusRow) {
  return (await renderScheduledStatuses(ctx, [row]))[0]!;
}
