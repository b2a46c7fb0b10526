import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../../db/index.ts';
import { keysOf } from './stored-files.ts';

/*
 * Forgetting stored copies while the rows stay (Paperclip's `attachment.destroy` then `save` in
 * Mastodon): a remote attachment, avatar or header is then shown from its server's URL again and
 * may be fetched anew. Each function clears, in one statement, only the rows still matching when
 * locked (a condition may name the row `t`), skipping rows another process holds, and returns the keys it cleared: the caller removes
 * those files once its transaction has committed. Two vacuums or CLI runs at once thus never clear,
 * count or remove the same file twice.
 */

export const idList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/** Mastodon's `MediaAttachment.remote.cached`: another server's attachment with a stored copy. */
export const CACHED_REMOTE_ATTACHMENT = sql`remote_url <> '' AND file_key IS NOT NULL`;

export interface ClearedRow {
  id: string;
  keys: string[];
}

/** Clears the stored copies of the cached remote attachments among `ids` that still match `condition`. */
export async function uncacheAttachments(db: Database, ids: readonly string[], condition: SQL = sql`true`): Promise<ClearedRow[]> {
  if (ids.length === 0) return [];
  const rows = await queryRows<{ id: string; file_key: string | null; small_file_key: string | null; thumbnail_file_key: string | null }>(
    db,
    sql`WITH old AS (
          SELECT id, file_key, small_file_key, thumbnail_file_key FROM media_attachments t
          WHERE id IN (${idList(ids)}) AND ${CACHED_REMOTE_ATTACHMENT} AND ${condition}
          FOR UPDATE SKIP LOCKED)
        UPDATE media_attachments m SET file_key = NULL, small_file_key = NULL, file_size = NULL, thumbnail_file_key = NULL, thumbnail_content_type = NULL, updated_at = now()
        FROM old WHERE m.id = old.id
        RETURNING old.id::text AS id, old.file_key, old.small_file_key, old.thumbnail_file_key`,
  );
  return rows.map((row) => ({ id: row.id, keys: keysOf([{ file: row.file_key, small: row.small_file_key, thumbnail: row.thumbnail_file_key }]) }));
}

export type ProfileImages = 'avatar and header' | 'header';

/**
 * Clears the stored avatar and header (or only the header, and its still frame) of the accounts
 * among `ids` that still have one and match `condition` (`domain IS NOT NULL` for cached copies).
 */
export async function clearProfileImages(db: Database, ids: readonly string[], images: ProfileImages, condition: SQL = sql`true`): Promise<ClearedRow[]> {
  if (ids.length === 0) return [];
  const avatarToo = images === 'avatar and header';
  const has = avatarToo
    ? sql`(avatar_file_key IS NOT NULL OR avatar_static_file_key IS NOT NULL OR header_file_key IS NOT NULL OR header_static_file_key IS NOT NULL)`
    : sql`(header_file_key IS NOT NULL OR header_static_file_key IS NOT NULL)`;
  const avatarColumns = avatarToo ? sql`avatar_file_key = NULL, avatar_static_file_key = NULL, avatar_content_type = NULL,` : sql``;
  const rows = await queryRows<Record<string, string | null> & { id: string }>(
    db,
    sql`WITH old AS (
          SELECT id, avatar_file_key, avatar_static_file_key, header_file_key, header_static_file_key FROM accounts t
          WHERE id IN (${idList(ids)}) AND ${has} AND ${condition}
          FOR UPDATE SKIP LOCKED)
        UPDATE accounts a SET ${avatarColumns} header_file_key = NULL, header_static_file_key = NULL, header_content_type = NULL, updated_at = now()
        FROM old WHERE a.id = old.id
        RETURNING old.id::text AS id, old.avatar_file_key, old.avatar_static_file_key, old.header_file_key, old.header_static_file_key`,
  );
  return rows.map((row) => ({
    id: row.id,
    keys: keysOf([avatarToo ? { a: row.avatar_file_key, b: row.avatar_static_file_key } : {}, { c: row.header_file_key, d: row.header_static_file_key }]),
  }));
}
