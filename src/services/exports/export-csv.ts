import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { writeCsv } from '../imports/bulk-imports.ts';
import { EXPECTED_HEADERS } from '../imports/import-types.ts';

/**
 * Mastodon's Export: the CSV files of `/settings/exports/*.csv`, in its formats, so that they
 * import here and on any Mastodon server. Follows and mutes have a header line; blocks, domain
 * blocks, bookmarks and lists are one record a line without one. Accounts are `user@domain`,
 * this instance's members with the local domain.
 */
export const EXPORTS = {
  follows: { filename: 'following_accounts.csv', label: 'Follows' },
  lists: { filename: 'lists.csv', label: 'Lists' },
  blocks: { filename: 'blocked_accounts.csv', label: 'You block' },
  mutes: { filename: 'muted_accounts.csv', label: 'You mute' },
  domain_blocks: { filename: 'blocked_domains.csv', label: 'Domain blocks' },
  bookmarks: { filename: 'bookmarks.csv', label: 'Bookmarks' },
} as const;
export type ExportName = keyof typeof EXPORTS;
export const isExportName = (value: string): value is ExportName => Object.hasOwn(EXPORTS, value);

const acctOf = (ctx: AppContext) => sql`a.username || '@' || coalesce(a.domain, ${ctx.config.localDomain})`;

async function followsCsv(ctx: AppContext, accountId: string): Promise<string> {
  const rows = await queryRows<{ acct: string; show_reblogs: boolean; notify: boolean; languages: string[] | null }>(
    ctx.db,
    sql`SELECT ${acctOf(ctx)} AS acct, f.show_reblogs, f.notify, f.languages FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = ${accountId} ORDER BY f.id DESC`,
  );
  return writeCsv([EXPECTED_HEADERS.following, ...rows.map((row) => [row.acct, row.show_reblogs, row.notify, row.languages?.length ? row.languages.join(', ') : null])]);
}

async function mutesCsv(ctx: AppContext, accountId: string): Promise<string> {
  const rows = await queryRows<{ acct: string; hide_notifications: boolean }>(
    ctx.db,
    sql`SELECT ${acctOf(ctx)} AS acct, m.hide_notifications FROM mutes m JOIN accounts a ON a.id = m.target_account_id WHERE m.account_id = ${accountId} ORDER BY m.id DESC`,
  );
  return writeCsv([EXPECTED_HEADERS.muting, ...rows.map((row) => [row.acct, row.hide_notifications])]);
}

async function blocksCsv(ctx: AppContext, accountId: string): Promise<string> {
  const rows = await queryRows<{ acct: string }>(
    ctx.db,
    sql`SELECT ${acctOf(ctx)} AS acct FROM blocks b JOIN accounts a ON a.id = b.target_account_id WHERE b.account_id = ${accountId} ORDER BY b.id DESC`,
  );
  return writeCsv(rows.map((row) => [row.acct]));
}

async function listsCsv(ctx: AppContext, accountId: string): Promise<string> {
  const rows = await queryRows<{ title: string; acct: string }>(
    ctx.db,
    sql`SELECT l.title, ${acctOf(ctx)} AS acct FROM lists l JOIN list_accounts la ON la.list_id = l.id JOIN accounts a ON a.id = la.account_id WHERE l.account_id = ${accountId} ORDER BY l.id, la.id`,
  );
  return writeCsv(rows.map((row) => [row.title, row.acct]));
}

async function domainBlocksCsv(ctx: AppContext, accountId: string): Promise<string> {
  const rows = await queryRows<{ domain: string }>(ctx.db, sql`SELECT domain FROM account_domain_blocks WHERE account_id = ${accountId} ORDER BY id`);
  return writeCsv(rows.map((row) => [row.domain]));
}

async function bookmarksCsv(ctx: AppContext, accountId: string): Promise<string> {
  const rows = await queryRows<{ uri: string }>(
    ctx.db,
    sql`SELECT s.uri FROM bookmarks b JOIN statuses s ON s.id = b.status_id WHERE b.account_id = ${accountId} AND s.deleted_at IS NULL AND s.uri IS NOT NULL ORDER BY b.id DESC`,
  );
  return writeCsv(rows.map((row) => [row.uri]));
}

const WRITERS: Record<ExportName, (ctx: AppContext, accountId: string) => Promise<string>> = {
  follows: followsCsv,
  lists: listsCsv,
  blocks: blocksCsv,
  mutes: mutesCsv,
  domain_blocks: domainBlocksCsv,
  bookmarks: bookmarksCsv,
};

/** One of the member's exports, as its file. */
export async function exportCsv(ctx: AppContext, accountId: string, name: ExportName): Promise<{ filename: string; csv: string }> {
  return { filename: EXPORTS[name].filename, csv: await WRITERS[name](ctx, accountId) };
}

export interface ExportCounts {
  /** bytes of the member's uploaded media (Mastodon's "Media storage") */
  storage: number;
  follows: number;
  followers: number;
  lists: number;
  blocks: number;
  mutes: number;
  domain_blocks: number;
  bookmarks: number;
}

/** What the export page counts (Export#total_*). */
export async function exportCounts(ctx: AppContext, accountId: string): Promise<ExportCounts> {
  const [row] = await queryRows<Record<keyof ExportCounts, string | number | null>>(
    ctx.db,
    sql`SELECT
      (SELECT coalesce(sum(file_size), 0) FROM media_attachments WHERE account_id = ${accountId} AND remote_url = '') AS storage,
      (SELECT count(*) FROM follows WHERE account_id = ${accountId}) AS follows,
      (SELECT count(*) FROM follows WHERE target_account_id = ${accountId}) AS followers,
      (SELECT count(*) FROM lists WHERE account_id = ${accountId}) AS lists,
      (SELECT count(*) FROM blocks WHERE account_id = ${accountId}) AS blocks,
      (SELECT count(*) FROM mutes WHERE account_id = ${accountId}) AS mutes,
      (SELECT count(*) FROM account_domain_blocks WHERE account_id = ${accountId}) AS domain_blocks,
      (SELECT count(*) FROM bookmarks WHERE account_id = ${accountId}) AS bookmarks`,
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([key, value]) => [key, Number(value ?? 0)])) as unknown as ExportCounts;
}
