import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { CACHED_REMOTE_ATTACHMENT, clearProfileImages, uncacheAttachments, type ProfileImages } from './media-cache.ts';
import { eachLimited, keysOf } from './stored-files.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';

/*
 * `subspace media remove` (tootctl media remove): the cached copies of other servers' attachments,
 * or of their accounts' avatars and headers, older than some days. Rows stay with their keys
 * cleared, so the media is fetched again when needed.
 */

const BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RemovalProgress {
  /** how many rows will be looked at */
  total(count: number): void;
  /** rows looked at since the last call */
  advance(count: number): void;
  /** a file that could not be measured or removed (left for remove-orphans) */
  failed(key: string, error: unknown): void;
}

export interface RemovalOptions {
  days: number;
  dryRun: boolean;
  concurrency: number;
  now?: Date;
  progress: RemovalProgress;
}

/** The files' sizes, removing them unless it is a dry run. */
async function measureAndRemove(ctx: AppContext, keys: string[], options: RemovalOptions): Promise<number> {
  let bytes = 0;
  await eachLimited(keys, options.concurrency, async (key) => {
    try {
      const size = (await ctx.storage.head(key))?.size ?? 0;
      if (!options.dryRun) await ctx.storage.delete(key);
      bytes += size;
    } catch (error) {
      options.progress.failed(key, error);
    }
  });
  return bytes;
}

/** Walks the rows matching `where` (on `table` aliased `t`) by id, a batch at a time. */
async function* batches<T extends { id: string }>(ctx: AppContext, table: string, columns: SQL, where: SQL): AsyncIterable<T[]> {
  let after = '0';
  for (;;) {
    const rows = await queryRows<T>(ctx.db, sql`SELECT t.id::text AS id, ${columns} FROM ${sql.identifier(table)} t WHERE ${where} AND t.id > ${after} ORDER BY t.id LIMIT ${BATCH}`);
    if (rows.length) yield rows;
    if (rows.length < BATCH) return;
    after = rows.at(-1)!.id;
  }
}

async function count(ctx: AppContext, table: string, where: SQL): Promise<number> {
  const [row] = await queryRows<{ n: number }>(ctx.db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} t WHERE ${where}`);
  return row?.n ?? 0;
}

/** Cached remote attachments made more than `days` ago (`MediaAttachment.cached.remote.where(created_at: ..time_ago)`). */
export async function removeCachedAttachments(ctx: AppContext, options: RemovalOptions): Promise<{ processed: number; bytes: number }> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.days * DAY_MS);
  const scope = sql`${CACHED_REMOTE_ATTACHMENT} AND t.created_at <= ${cutoff}`;
  options.progress.total(await count(ctx, 'media_attachments', scope));
  let processed = 0;
  let bytes = 0;
  type Row = { id: string; file_key: string | null; small_file_key: string | null; thumbnail_file_key: string | null };
  for await (const rows of batches<Row>(ctx, 'media_attachments', sql`t.file_key, t.small_file_key, t.thumbnail_file_key`, scope)) {
    const keys = options.dryRun
      ? keysOf(rows.map((row) => ({ file: row.file_key, small: row.small_file_key, thumbnail: row.thumbnail_file_key })))
      : (
          await uncacheAttachments(
            ctx.db,
            rows.map((row) => row.id),
            scope,
          )
        ).flatMap((row) => row.keys);
    bytes += await measureAndRemove(ctx, keys, options);
    processed += rows.length;
    options.progress.advance(rows.length);
  }
  // what was uncached shows its remote URL again
  if (processed) await forgetAllRenderings(ctx);
  return { processed, bytes };
}

export interface ProfileRemovalOptions extends RemovalOptions {
  images: ProfileImages;
  /** also accounts that follow or are followed by someone (by default only accounts nobody here follows or is followed by) */
  includeFollows: boolean;
}

/**
 * Avatars and headers (or only headers) of remote accounts neither webfingered nor updated for
 * `days` (`Account.remote.where(last_webfingered_at: ..time_ago, updated_at: ..time_ago)`), except
 * those with follows either way unless `includeFollows`. Returns the accounts visited.
 */
export async function removeCachedProfileImages(ctx: AppContext, options: ProfileRemovalOptions): Promise<{ processed: number; bytes: number }> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.days * DAY_MS);
  const scope = sql`t.domain IS NOT NULL AND t.last_webfingered_at <= ${cutoff} AND t.updated_at <= ${cutoff}`;
  const unfollowed = options.includeFollows ? sql`true` : sql`NOT EXISTS (SELECT 1 FROM follows f WHERE f.account_id = t.id OR f.target_account_id = t.id)`;
  options.progress.total(await count(ctx, 'accounts', scope));
  const avatarToo = options.images === 'avatar and header';
  let processed = 0;
  let bytes = 0;
  const columns = sql`t.avatar_file_key, t.avatar_static_file_key, t.header_file_key, t.header_static_file_key, (${unfollowed}) AS eligible`;
  type Row = { id: string; eligible: boolean } & Record<'avatar_file_key' | 'avatar_static_file_key' | 'header_file_key' | 'header_static_file_key', string | null>;
  for await (const rows of batches<Row>(ctx, 'accounts', columns, scope)) {
    const eligible = rows.filter((row) => row.eligible);
    const keys = options.dryRun
      ? keysOf(eligible.map((row) => ({ ...(avatarToo ? { a: row.avatar_file_key, b: row.avatar_static_file_key } : {}), c: row.header_file_key, d: row.header_static_file_key })))
      : (
          await clearProfileImages(
            ctx.db,
            eligible.map((row) => row.id),
            options.images,
            sql`${scope} AND ${unfollowed}`,
          )
        ).flatMap((row) => row.keys);
    bytes += await measureAndRemove(ctx, keys, options);
    processed += rows.length;
    options.progress.advance(rows.length);
  }
  // what was uncached shows its remote URL again
  if (processed) await forgetAllRenderings(ctx);
  return { processed, bytes };
}
