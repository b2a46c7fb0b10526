import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { listFeed } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, bookmarks, bulkImportRows, bulkImports, listAccounts, lists, type BulkImportRecord, type BulkImportRowRecord } from '../../db/schema.ts';
import { ImportRow } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { blockAccount, unblockAccount } from '../relationships/block-account.ts';
import { blockDomain, unblockDomain } from '../relationships/domain-blocks.ts';
import { followAccount } from '../relationships/follow-account.ts';
import { createList } from '../relationships/lists.ts';
import { muteAccount, unmuteAccount } from '../relationships/mute-account.ts';
import { unfollowAccount } from '../relationships/unfollow-account.ts';
import { finishImport } from './bulk-imports.ts';
import type { ImportRowData, ImportType } from './import-types.ts';

type Row = Omit<BulkImportRowRecord, 'data'> & { data: ImportRowData };

interface Progress {
  processed: number;
  imported: number;
}

/** Rows grouped by what they name, lower-cased, the local domain taken off (BulkImportService#extract_rows_by_acct). */
function rowsByKey(rows: Row[], key: (row: Row) => string): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const row of rows) {
    const name = key(row).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), row]);
  }
  return map;
}

/** A row done here rather than in a row job: removed, and counted as processed and imported. */
async function doneHere(ctx: AppContext, rows: Row[], progress: Progress) {
  if (rows.length === 0) return;
  await ctx.db.delete(bulkImportRows).where(
    inArray(
      bulkImportRows.id,
      rows.map((row) => row.id),
    ),
  );
  progress.processed += rows.length;
  progress.imported += rows.length;
}

/** The accounts the member follows, blocks or mutes, with the handle an export gives them. */
async function relatedAccounts(ctx: AppContext, table: 'follows' | 'blocks' | 'mutes', accountId: string) {
  return queryRows<{ id: string | number; acct: string }>(
    ctx.db,
    sql`SELECT a.id, CASE WHEN a.domain IS NULL THEN a.username ELSE a.username || '@' || a.domain END AS acct
        FROM ${sql.raw(table)} r JOIN accounts a ON a.id = r.target_account_id WHERE r.account_id = ${accountId}`,
  );
}

/**
 * Overwrite mode for follows, blocks and mutes: each account the member follows (blocks, mutes)
 * that the file does not name is unfollowed (unblocked, unmuted), and the rows naming one already
 * followed are applied here (a follow's options updated) and counted; the other rows are left to row jobs.
 */
async function overwriteRelationships(ctx: AppContext, bulkImport: BulkImportRecord, rows: Map<string, Row[]>, progress: Progress) {
  const type = bulkImport.type as 'following' | 'blocking' | 'muting';
  const table = type === 'following' ? 'follows' : type === 'blocking' ? 'blocks' : 'mutes';
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, bulkImport.accountId)).limit(1);
  if (!account) return;
  for (const related of await relatedAccounts(ctx, table, account.id)) {
    const targetId = String(related.id);
    const matching = rows.get(related.acct.toLowerCase());
    rows.delete(related.acct.toLowerCase());
    if (!matching) {
      if (type === 'following') await unfollowAccount(ctx, account.id, targetId);
      else if (type === 'blocking') await unblockAccount(ctx, account.id, targetId);
      else await unmuteAccount(ctx, account.id, targetId);
      continue;
    }
    for (const row of matching) {
      if (type === 'muting') await muteAccount(ctx, account.id, targetId, { notifications: row.data.hide_notifications ?? true, durationSeconds: 0 });
      else if (type === 'blocking') await blockAccount(ctx, account.id, targetId);
      else {
        const [target] = await ctx.db.select().from(accounts).where(eq(accounts.id, targetId)).limit(1);
        if (target)
          await followAccount(
            ctx,
            account,
            target,
            { reblogs: row.data.show_reblogs ?? undefined, notify: row.data.notify ?? undefined, languages: row.data.languages ?? undefined },
            { rateLimit: false },
          );
      }
    }
    await doneHere(ctx, matching, progress);
  }
}

/** Overwrite mode for bookmarks: a bookmark of a status the file does not name is removed. */
async function overwriteBookmarks(ctx: AppContext, bulkImport: BulkImportRecord, rows: Map<string, Row[]>, progress: Progress) {
  const marked = await queryRows<{ id: string | number; uri: string | null }>(
    ctx.db,
    sql`SELECT b.id, s.uri FROM bookmarks b JOIN statuses s ON s.id = b.status_id WHERE b.account_id = ${bulkImport.accountId}`,
  );
  for (const bookmark of marked) {
    const matching = bookmark.uri ? rows.get(bookmark.uri.toLowerCase()) : undefined;
    if (!matching) {
      await ctx.db.delete(bookmarks).where(eq(bookmarks.id, String(bookmark.id)));
      continue;
    }
    rows.delete(bookmark.uri!.toLowerCase());
    await doneHere(ctx, matching, progress);
  }
}

/**
 * Domain blocks are made here, all at once (BulkImportService#import_domain_blocks!); overwrite
 * mode first lifts the member's blocks of domains the file does not name. A row whose domain
 * cannot be blocked stays, a failure.
 */
async function importDomainBlocks(ctx: AppContext, bulkImport: BulkImportRecord, rows: Row[], progress: Progress) {
  const domains = new Set(rows.map((row) => row.data.domain!));
  if (bulkImport.overwrite) {
    const blocked = await queryRows<{ domain: string }>(ctx.db, sql`SELECT domain FROM account_domain_blocks WHERE account_id = ${bulkImport.accountId}`);
    for (const { domain } of blocked) if (!domains.has(domain)) await unblockDomain(ctx, bulkImport.accountId, domain);
  }
  for (const row of rows) {
    try {
      await blockDomain(ctx, bulkImport.accountId, row.data.domain!);
      await doneHere(ctx, [row], progress);
    } catch (error) {
      ctx.log.info({ err: error, domain: row.data.domain }, 'an imported domain block could not be made');
      progress.processed += 1;
    }
  }
}

/**
 * Lists: overwrite mode removes the member's lists the file does not name and empties the others
 * (list membership does not change timelines after the fact: starting afresh is simplest, as
 * Mastodon says); every list the file names is made if missing. The members are added by row jobs.
 */
async function prepareLists(ctx: AppContext, bulkImport: BulkImportRecord, rows: Row[]) {
  const titles = [...new Set(rows.map((row) => row.data.list_name!))];
  if (bulkImport.overwrite) {
    const owned = await ctx.db.select({ id: lists.id, title: lists.title }).from(lists).where(eq(lists.accountId, bulkImport.accountId));
    const removed = owned.filter((list) => !titles.includes(list.title));
    if (removed.length) {
      await ctx.db.delete(lists).where(and(eq(lists.accountId, bulkImport.accountId), notInArray(lists.title, titles.length ? titles : [''])));
    }
    for (const list of owned) {
      await ctx.db.delete(listAccounts).where(eq(listAccounts.listId, list.id));
      await ctx.feeds.clear(listFeed(list.id));
    }
  }
  const existing = new Set((await ctx.db.select({ title: lists.title }).from(lists).where(eq(lists.accountId, bulkImport.accountId))).map((list) => list.title));
  for (const title of titles) {
    if (existing.has(title)) continue;
    // over the lists limit, its rows fail one by one
    await createList(ctx, bulkImport.accountId, { title }).catch((error: unknown) => ctx.log.info({ err: error, title }, 'an imported list could not be made'));
  }
}

/**
 * BulkImportService, run by the BulkImportWorker job once the member confirmed the import: what
 * overwrite mode undoes, then a row job (Import::RowWorker) for each row left. The import is
 * finished when its last row is processed, or here when nothing is left to do.
 */
export async function runBulkImport(ctx: AppContext, bulkImportId: string): Promise<void> {
  const [bulkImport] = await ctx.db.select().from(bulkImports).where(eq(bulkImports.id, bulkImportId)).limit(1);
  if (!bulkImport || bulkImport.state === 'finished') return;
  await ctx.db.update(bulkImports).set({ state: 'in_progress', updatedAt: new Date() }).where(eq(bulkImports.id, bulkImport.id));
  const progress: Progress = { processed: 0, imported: 0 };
  try {
    const rows = (await ctx.db.select().from(bulkImportRows).where(eq(bulkImportRows.bulkImportId, bulkImport.id)).orderBy(bulkImportRows.id)) as Row[];
    const type = bulkImport.type as ImportType;
    let queued: Row[] = rows;
    if (type === 'domain_blocking') {
      await importDomainBlocks(ctx, bulkImport, rows, progress);
      queued = [];
    } else if (type === 'lists') {
      await prepareLists(ctx, bulkImport, rows);
    } else if (bulkImport.overwrite) {
      const localSuffix = `@${ctx.config.localDomain}`.toLowerCase();
      const byKey = rowsByKey(rows, (row) => (type === 'bookmarks' ? row.data.uri! : row.data.acct!.toLowerCase().replace(localSuffix, '')));
      if (type === 'bookmarks') await overwriteBookmarks(ctx, bulkImport, byKey, progress);
      else await overwriteRelationships(ctx, bulkImport, byKey, progress);
      queued = [...byKey.values()].flat();
    }
    await saveProgress(ctx, bulkImport.id, progress);
    for (const row of queued) await enqueue(ctx, ImportRow, { rowId: row.id });
    if (queued.length === 0) await finishImport(ctx, bulkImport.id);
  } catch (error) {
    await saveProgress(ctx, bulkImport.id, progress);
    await finishImport(ctx, bulkImport.id);
    throw error;
  }
}

async function saveProgress(ctx: AppContext, bulkImportId: string, progress: Progress) {
  if (progress.processed === 0) return;
  await ctx.db.execute(
    sql`UPDATE bulk_imports SET processed_items = processed_items + ${progress.processed}, imported_items = imported_items + ${progress.imported}, updated_at = now() WHERE id = ${bulkImportId}`,
  );
  progress.processed = 0;
  progress.imported = 0;
}
