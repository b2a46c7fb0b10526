import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, bulkImportRows, bulkImports, listAccounts, lists, type StatusRow } from '../../db/schema.ts';
import { ApiError } from '../../lib/errors.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { mergeIntoList } from '../feeds/fan-out.ts';
import { blockAccount } from '../relationships/block-account.ts';
import { followAccount } from '../relationships/follow-account.ts';
import { muteAccount } from '../relationships/mute-account.ts';
import { bookmarkStatus } from '../statuses/bookmark-status.ts';
import { recordImportProgress } from './bulk-imports.ts';
import type { ImportRowData, ImportType } from './import-types.ts';

/** How a row's account and status are found: known here, or fetched from their servers (the job hands federation's resolvers in). */
export interface ImportResolvers {
  /** ResolveAccountService: `user@domain` by WebFinger, or a local account */
  account(acct: string): Promise<AccountRow | undefined>;
  /** a status by its URI: a local one, or fetched (ActivityPub::FetchRemoteStatusService) */
  status(uri: string): Promise<StatusRow | undefined>;
}

/** Adds the target to the member's list of that title (made by the import beforehand). */
async function addToList(ctx: AppContext, owner: AccountRow, title: string, target: AccountRow): Promise<boolean> {
  const [list] = await ctx.db
    .select({ id: lists.id })
    .from(lists)
    .where(and(eq(lists.accountId, owner.id), eq(lists.title, title)))
    .limit(1);
  if (!list) return false;
  if (owner.id !== target.id) await followAccount(ctx, owner, target, {}, { rateLimit: false });
  const added = await ctx.db.insert(listAccounts).values({ listId: list.id, accountId: target.id }).onConflictDoNothing().returning({ id: listAccounts.id });
  if (added.length) await mergeIntoList(ctx, list.id, owner.id, target.id);
  return true;
}

/** BulkImportRowService: whether the row could be imported. A refusal (blocked, not visible…) is a failed row, not an error. */
async function importRow(ctx: AppContext, owner: AccountRow, type: ImportType, data: ImportRowData, resolvers: ImportResolvers): Promise<boolean> {
  if (type === 'bookmarks') {
    const status = await resolvers.status(data.uri!);
    if (!status) return false;
    await bookmarkStatus(ctx, owner.id, status.id);
    return true;
  }
  const target = await resolvers.account(data.acct!);
  if (!target) return false;
  switch (type) {
    case 'following':
      await followAccount(ctx, owner, target, { reblogs: data.show_reblogs ?? undefined, notify: data.notify ?? undefined, languages: data.languages ?? undefined }, { rateLimit: false });
      return true;
    case 'blocking':
      await blockAccount(ctx, owner.id, target.id);
      return true;
    case 'muting':
      await muteAccount(ctx, owner.id, target.id, { notifications: data.hide_notifications ?? true, durationSeconds: 0 });
      return true;
    case 'lists':
      return addToList(ctx, owner, data.list_name!, target);
    default:
      return false;
  }
}

/**
 * Import::RowWorker: imports one row, then counts it (BulkImport.progress!). An imported row is
 * removed; one that failed stays, for the import's failures CSV. An error is retried by the job
 * until its last try, which counts the row as processed and not imported (sidekiq_retries_exhausted).
 */
export async function runImportRow(ctx: AppContext, rowId: string, resolvers: ImportResolvers, options: { lastAttempt: boolean }): Promise<void> {
  const [found] = await ctx.db
    .select({ row: bulkImportRows, bulkImport: bulkImports, account: accounts })
    .from(bulkImportRows)
    .innerJoin(bulkImports, eq(bulkImports.id, bulkImportRows.bulkImportId))
    .innerJoin(accounts, eq(accounts.id, bulkImports.accountId))
    .where(eq(bulkImportRows.id, rowId))
    .limit(1);
  if (!found) return;
  let imported: boolean;
  try {
    imported = await importRow(ctx, found.account, found.bulkImport.type as ImportType, found.row.data as ImportRowData, resolvers);
  } catch (error) {
    if (error instanceof ApiError && error.statusCode < 500) imported = false;
    else if (options.lastAttempt) {
      ctx.log.warn({ err: error, rowId }, 'an import row failed on its last try');
      imported = false;
    } else throw error;
  }
  if (imported) await ctx.db.delete(bulkImportRows).where(eq(bulkImportRows.id, rowId));
  await recordImportProgress(ctx, found.bulkImport.id, imported);
}
