import { scheduledStatuses } from '../../../../db/schema.ts';
import type { ImportStep } from '../step.ts';

interface ScheduledSource {
  id: string;
  account_id: string | null;
  scheduled_at: Date | null;
  params: Record<string, unknown> | null;
}

/**
 * Mastodon's scheduled statuses: their params are PostStatusService's options, the shape Subspace
 * keeps and publishes from; the uploads they reserve (`media_ids`, media attachments with a
 * scheduled_status_id) are carried by the media step, unattached, as Subspace keeps them.
 */
export const scheduledStatusesStep: ImportStep<ScheduledSource> = {
  name: 'scheduled statuses',
  table: 'scheduled_statuses',
  select: `SELECT s.id::text AS id, s.account_id::text AS account_id, s.scheduled_at, s.params
    FROM scheduled_statuses s WHERE s.id > $1::bigint ORDER BY s.id LIMIT $2`,
  async write(tx, rows, _ctx, skip) {
    const values = [];
    for (const row of rows) {
      if (!row.account_id || !row.scheduled_at || !row.params || typeof row.params !== 'object') {
        skip('scheduled statuses without an author, a time or their params');
        continue;
      }
      const mediaIds = Array.isArray(row.params.media_ids) ? row.params.media_ids.map(String) : null;
      const idOrNull = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);
      values.push({
        id: row.id,
        accountId: row.account_id,
        scheduledAt: row.scheduled_at,
        // ids as strings, as Subspace reads them back (Mastodon keeps application_id, and a JSON body's ids, as numbers)
        params: {
          ...row.params,
          media_ids: mediaIds?.length ? mediaIds : null,
          in_reply_to_id: idOrNull(row.params.in_reply_to_id),
          application_id: idOrNull(row.params.application_id),
        },
      });
    }
    if (values.length > 0) await tx.insert(scheduledStatuses).values(values).onConflictDoNothing();
  },
};
