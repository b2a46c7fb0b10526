import { sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { rowId } from '../../lib/ids.ts';
import { idList } from './media-cache.ts';

/*
 * Which row a stored file belongs to, from its key: Mastodon's layout
 * `[cache/]<table>/<attachment>/<id partition>/<style>/<name>` names the table and the row's id,
 * and the row then says whether it still names the file (tootctl media remove-orphans's method).
 */

export type FileCategory = 'attachments' | 'emoji' | 'avatars' | 'headers' | 'preview cards';

interface OwnerTable {
  /** the columns holding storage keys, and what their files are */
  columns: Record<string, FileCategory>;
  /** whether the row is another server's (its files are cached copies) */
  remote: SQL;
}

/** The tables whose rows name stored files. A table storing files must be listed here, or its files are left alone as unrecognized. */
export const OWNER_TABLES: Record<string, OwnerTable> = {
  media_attachments: { columns: { file_key: 'attachments', small_file_key: 'attachments', thumbnail_file_key: 'attachments' }, remote: sql`remote_url <> ''` },
  accounts: {
    columns: { avatar_file_key: 'avatars', avatar_static_file_key: 'avatars', header_file_key: 'headers', header_static_file_key: 'headers' },
    remote: sql`domain IS NOT NULL`,
  },
  custom_emojis: { columns: { image_file_key: 'emoji', image_static_file_key: 'emoji' }, remote: sql`domain IS NOT NULL` },
  // a card's image is this instance's copy of a linked page's picture, whoever linked it (Mastodon counts them as one)
  preview_cards: { columns: { image_file_key: 'preview cards' }, remote: sql`false` },
};

/** What a key's path says: its table and row id, or undefined for a file outside Mastodon's layout. */
export function parseStorageKey(key: string): { table: string; attachment: string; id: string } | undefined {
  const segments = key.split('/');
  if (segments[0] === 'cache') segments.shift();
  const [table, attachment, ...rest] = segments;
  const partition = rest.slice(0, -2);
  if (!table || !attachment || partition.length < 3 || !partition.every((group) => /^\d{3}$/.test(group)) || !rest.at(-1)) return undefined;
  const id = rowId(partition.join(''));
  return id ? { table, attachment, id } : undefined;
}

/** A file's row: what the file is and whether it is a cached copy of another server's. */
export interface FileOwner {
  category: FileCategory;
  remote: boolean;
}

/**
 * The owner of each key: a FileOwner, `null` for a file of a known table that no row names (an
 * orphan), or `undefined` for a file this instance does not recognize (never to be removed).
 */
export async function ownersOf(ctx: AppContext, keys: readonly string[]): Promise<Map<string, FileOwner | null | undefined>> {
  const parsed = keys.map((key) => ({ key, path: parseStorageKey(key) }));
  const named = new Map<string, FileOwner>();
  for (const [table, owner] of Object.entries(OWNER_TABLES)) {
    const ids = [...new Set(parsed.flatMap(({ path }) => (path?.table === table ? [path.id] : [])))];
    if (ids.length === 0) continue;
    const columns = Object.keys(owner.columns);
    const rows = await queryRows<Record<string, string | boolean | null>>(
      ctx.db,
      sql`SELECT (${owner.remote}) AS remote, ${sql.join(
        columns.map((column) => sql.identifier(column)),
        sql`, `,
      )} FROM ${sql.identifier(table)} WHERE id IN (${idList(ids)})`,
    );
    for (const row of rows) {
      for (const column of columns) {
        const key = row[column];
        if (typeof key === 'string') named.set(key, { category: owner.columns[column]!, remote: row.remote === true });
      }
    }
  }
  return new Map(parsed.map(({ key, path }) => [key, path && Object.hasOwn(OWNER_TABLES, path.table) ? (named.get(key) ?? null) : undefined]));
}
