import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { clearProfileImages } from '../media/media-cache.ts';
import { keysOf, removeStoredFiles } from '../media/stored-files.ts';

/*
 * The rows of media that go with a deleted status or account, deleted within the caller's
 * transaction; the keys returned are the files to remove once it has committed (removeStoredFiles).
 */

type FileKeys = { file_key: string | null; small_file_key: string | null; thumbnail_file_key: string | null };

const keysOfRows = (rows: FileKeys[]) => keysOf(rows.map((row) => ({ file: row.file_key, small: row.small_file_key, thumbnail: row.thumbnail_file_key })));

/** Whether an unresolved report names the status: Mastodon's Status#reported?, whose media a deletion keeps for the moderators. */
const reported = (statusId: SQL, accountId: SQL) => sql`EXISTS (SELECT 1 FROM reports r WHERE r.target_account_id = ${accountId} AND r.action_taken_at IS NULL AND ${statusId} = ANY(r.status_ids))`;

/**
 * A deleted remote status's attachments (RemoveStatusService#remove_media): rows and files go,
 * unless the status is reported. Local uploads are not taken here: they are detached for
 * delete-and-redraft, and the vacuum removes them a day later if nothing takes them.
 */
export async function purgeStatusMedia(tx: Database, statusId: string, accountId: string): Promise<string[]> {
  const rows = await queryRows<FileKeys>(
    tx,
    sql`DELETE FROM media_attachments WHERE status_id = ${statusId} AND NOT ${reported(sql`${statusId}::bigint`, sql`${accountId}::bigint`)}
        RETURNING file_key, small_file_key, thumbnail_file_key`,
  );
  return keysOfRows(rows);
}

/**
 * Every attachment of an account whose data is deleted (DeleteAccountService#purge_media_attachments!),
 * keeping those of its reported statuses when the account's record stays (a remote account's Delete).
 */
export async function purgeAccountMedia(tx: Database, accountId: string, options: { keepReported: boolean }): Promise<string[]> {
  const keep = options.keepReported ? sql`AND NOT (status_id IS NOT NULL AND ${reported(sql`status_id`, sql`${accountId}::bigint`)})` : sql``;
  const rows = await queryRows<FileKeys>(tx, sql`DELETE FROM media_attachments WHERE account_id = ${accountId} ${keep} RETURNING file_key, small_file_key, thumbnail_file_key`);
  return keysOfRows(rows);
}

/**
 * A remote account deleted by its server, whose suspended record stays: its attachments (but those
 * of reported statuses) go, rows and files, and the cached copies of its avatar and header.
 */
export async function purgeRemoteAccountMedia(ctx: AppContext, accountId: string): Promise<void> {
  const files = await ctx.db.transaction(async (tx) => {
    const media = await purgeAccountMedia(tx, accountId, { keepReported: true });
    const profile = await clearProfileImages(tx, [accountId], 'avatar and header', sql`domain IS NOT NULL`);
    return [...media, ...profile.flatMap((row) => row.keys)];
  });
  await removeStoredFiles(ctx, files, { reason: 'remote account deleted' });
}
