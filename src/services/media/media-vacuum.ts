import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { idFloor } from '../../lib/ids.ts';
import { removeAbandonedTempDirs } from './temp-dir.ts';
import { CACHED_REMOTE_ATTACHMENT, idList, uncacheAttachments } from './media-cache.ts';
import { keysOf, removeStoredFiles } from './stored-files.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';

/** How long an upload may stay unattached (Vacuum::MediaAttachmentsVacuum::TTL). */
export const ORPHAN_TTL_MS = 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** rows looked at per statement: each query reads a bounded slice of an index */
const BATCH = 500;

/** Not reserved by a pending scheduled status (Mastodon's `scheduled_status_id: nil`; here the scheduled status's params name them). */
const NOT_RESERVED = sql`NOT EXISTS (SELECT 1 FROM scheduled_statuses s WHERE s.account_id = m.account_id AND s.params->'media_ids' @> jsonb_build_array(m.id::text))`;

/**
 * Uploads an edit took out of a status that is still there: Mastodon keeps them attached to it for
 * its history (only `ordered_media_attachment_ids` changes), here they are detached, so they are
 * kept out of the orphans as long as a revision of a live status names them.
 */
async function namedByRevisions(ctx: AppContext, ids: string[]): Promise<Set<string>> {
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT DISTINCT named.id FROM media_attachments m
        JOIN statuses s ON s.account_id = m.account_id AND s.edited_at IS NOT NULL AND s.deleted_at IS NULL
        JOIN status_edits e ON e.status_id = s.id
        CROSS JOIN LATERAL unnest(e.media_attachment_ids) AS named(id)
        WHERE m.id IN (${idList(ids)}) AND named.id = m.id::text`,
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Deletes uploads that no status took and no scheduled status reserves, a day after they were made
 * (`MediaAttachment.unattached.created_before(1.day.ago)`): rows, then files. Walks the unattached
 * rows (the status_id index) by id; each batch is deleted again under the same conditions, so an
 * upload attached meanwhile stays, and one another vacuum deleted first is not counted twice.
 */
export async function removeOrphanedUploads(ctx: AppContext, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ORPHAN_TTL_MS);
  const orphan = sql`m.status_id IS NULL AND m.created_at < ${cutoff} AND ${NOT_RESERVED}`;
  let after = '0';
  let removed = 0;
  for (;;) {
    const candidates = await queryRows<{ id: string }>(ctx.db, sql`SELECT m.id::text AS id FROM media_attachments m WHERE ${orphan} AND m.id > ${after} ORDER BY m.id LIMIT ${BATCH}`);
    if (candidates.length === 0) return removed;
    after = candidates.at(-1)!.id;
    const kept = await namedByRevisions(
      ctx,
      candidates.map((row) => row.id),
    );
    const ids = candidates.map((row) => row.id).filter((id) => !kept.has(id));
    if (ids.length) {
      const deleted = await queryRows<{ file_key: string | null; small_file_key: string | null; thumbnail_file_key: string | null }>(
        ctx.db,
        sql`DELETE FROM media_attachments m WHERE m.id IN (${idList(ids)}) AND ${orphan} RETURNING m.file_key, m.small_file_key, m.thumbnail_file_key`,
      );
      removed += deleted.length;
      await removeStoredFiles(ctx, keysOf(deleted), { reason: 'unattached upload' });
    }
    if (candidates.length < BATCH) return removed;
  }
}

/**
 * Removes the cached copies of remote attachments made and last changed more than `retentionDays`
 * ago (MEDIA_CACHE_RETENTION_PERIOD); the rows stay, keys cleared, to be fetched again when needed.
 * Rows are looked at in slices of ids below the cutoff's (a row made later was updated later too).
 */
export async function removeExpiredMediaCache(ctx: AppContext, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const expired = sql`${CACHED_REMOTE_ATTACHMENT} AND created_at < ${cutoff} AND updated_at < ${cutoff}`;
  const ceiling = idFloor(cutoff);
  let after = '0';
  let removed = 0;
  for (;;) {
    const [slice] = await queryRows<{ last: string | null; ids: string[] | null }>(
      ctx.db,
      sql`SELECT max(id)::text AS last, array_agg(id::text) FILTER (WHERE ${expired}) AS ids
          FROM (SELECT id, remote_url, file_key, created_at, updated_at FROM media_attachments WHERE id > ${after} AND id < ${ceiling} ORDER BY id LIMIT ${BATCH * 2}) slice`,
    );
    if (!slice?.last) return removed;
    after = slice.last;
    const cleared = await uncacheAttachments(ctx.db, slice.ids ?? [], sql`created_at < ${cutoff} AND updated_at < ${cutoff}`);
    removed += cleared.length;
    // the statuses of these attachments show their remote URLs again
    if (cleared.length) await forgetAllRenderings(ctx);
    await removeStoredFiles(
      ctx,
      cleared.flatMap((row) => row.keys),
      { reason: 'media cache expired' },
    );
  }
}

/**
 * The media part of Scheduler::VacuumScheduler (Vacuum::MediaAttachmentsVacuum): orphaned uploads,
 * then the expired media cache when a retention period is set, then working directories left by
 * killed transcodes (on the machine the job runs on). Each runs even if another failed;
 * a failure is thrown afterwards, so the job shows it.
 */
export async function vacuumMediaAttachments(ctx: AppContext, now = new Date()): Promise<{ orphans: number; uncached: number }> {
  const failures: unknown[] = [];
  const attempt = async (what: string, work: () => Promise<number>) => {
    try {
      return await work();
    } catch (error) {
      ctx.log.error({ err: error }, `media vacuum: ${what} failed`);
      failures.push(error);
      return 0;
    }
  };
  const orphans = await attempt('removing unattached uploads', () => removeOrphanedUploads(ctx, now));
  const days = ctx.config.mediaCacheRetentionDays;
  const uncached = days ? await attempt('removing the expired media cache', () => removeExpiredMediaCache(ctx, days, now)) : 0;
  const workingDirs = await attempt('removing abandoned working directories', () => removeAbandonedTempDirs());
  if (orphans || uncached || workingDirs) ctx.log.info({ orphans, uncached, workingDirs }, 'media vacuum');
  if (failures.length) throw new AggregateError(failures, 'media vacuum failed');
  return { orphans, uncached };
}
