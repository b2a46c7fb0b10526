import { and, desc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { bulkImportRows, bulkImports, type BulkImportRecord } from '../../db/schema.ts';
import { BulkImport } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { notFound } from '../../lib/errors.ts';
import { rowId } from '../../lib/ids.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { EXPECTED_HEADERS, FAILURES_FILENAME, type ImportRowData, type ImportType } from './import-types.ts';
import { ImportFileError, parseImportFile } from './parse-import.ts';

export type { BulkImportRecord };

/** Settings::ImportsController::RECENT_IMPORTS_LIMIT */
export const RECENT_IMPORTS_LIMIT = 10;
/** BulkImport::ARCHIVE_PERIOD and CONFIRM_PERIOD: an import is forgotten a week after it was made, an unconfirmed one after 10 minutes. */
const ARCHIVE_PERIOD_MS = 7 * 24 * 3600 * 1000;
const CONFIRM_PERIOD_MS = 10 * 60 * 1000;
/** FollowValidator's limit: 7,500 follows, or 1.1 times the followers beyond that. */
const FOLLOW_LIMIT = 7500;
const FOLLOW_LIMIT_RATIO = 1.1;

export function followLimitFor(account: Pick<AccountRow, 'followingCount' | 'followersCount'>): number {
  return account.followingCount < FOLLOW_LIMIT ? FOLLOW_LIMIT : Math.max(Math.round(account.followersCount * FOLLOW_LIMIT_RATIO), FOLLOW_LIMIT);
}

export interface ImportUpload {
  type: ImportType;
  overwrite: boolean;
  filename: string;
  bytes: Buffer;
}

/**
 * Form::Import#save: reads the file, refuses it with an ImportFileError as Mastodon does (also when
 * a following list would go over the follow limit), and keeps it as an unconfirmed import with one
 * row per line, for the member to confirm on its page.
 */
export async function createImport(ctx: AppContext, account: AccountRow, upload: ImportUpload): Promise<BulkImportRecord> {
  const parsed = parseImportFile(upload.type, upload.bytes, upload.filename);
  if (upload.type === 'following') {
    const base = followLimitFor(account);
    const limit = upload.overwrite ? base : base - account.followingCount;
    if (parsed.rows.length > limit) throw new ImportFileError(`You cannot follow more than ${base} people`);
  }
  return ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(bulkImports)
      .values({
        accountId: account.id,
        type: upload.type,
        overwrite: upload.overwrite,
        originalFilename: upload.filename.slice(0, 255),
        likelyMismatched: parsed.likelyMismatched,
        totalItems: parsed.rows.length,
      })
      .returning();
    for (let start = 0; start < parsed.rows.length; start += 1000) {
      await tx.insert(bulkImportRows).values(parsed.rows.slice(start, start + 1000).map((data) => ({ bulkImportId: created!.id, data: data as Record<string, unknown> })));
    }
    return created!;
  });
}

/** The member's latest imports, newest first. */
export async function recentImports(ctx: AppContext, accountId: string): Promise<BulkImportRecord[]> {
  return ctx.db.select().from(bulkImports).where(eq(bulkImports.accountId, accountId)).orderBy(desc(bulkImports.id)).limit(RECENT_IMPORTS_LIMIT);
}

/** One of the member's imports in the given states, or a 404. */
export async function findOwnImport(ctx: AppContext, accountId: string, id: string, states: string[]): Promise<BulkImportRecord> {
  const importId = rowId(id);
  if (!importId) throw notFound();
  const [found] = await ctx.db
    .select()
    .from(bulkImports)
    .where(and(eq(bulkImports.id, importId), eq(bulkImports.accountId, accountId), inArray(bulkImports.state, states)))
    .limit(1);
  if (!found) throw notFound();
  return found;
}

/** Settings::ImportsController#confirm: the import is queued (BulkImportWorker). */
export async function confirmImport(ctx: AppContext, accountId: string, id: string): Promise<void> {
  const found = await findOwnImport(ctx, accountId, id, ['unconfirmed']);
  const [scheduled] = await ctx.db
    .update(bulkImports)
    .set({ state: 'scheduled', updatedAt: new Date() })
    .where(and(eq(bulkImports.id, found.id), eq(bulkImports.state, 'unconfirmed')))
    .returning({ id: bulkImports.id });
  if (scheduled) await enqueue(ctx, BulkImport, { bulkImportId: found.id });
}

/** Settings::ImportsController#destroy: an unconfirmed import is dropped with its rows. */
export async function discardImport(ctx: AppContext, accountId: string, id: string): Promise<void> {
  const found = await findOwnImport(ctx, accountId, id, ['unconfirmed']);
  await ctx.db.delete(bulkImports).where(eq(bulkImports.id, found.id));
}

/** BulkImportRow#to_csv: a failed row as its type's export writes it. */
function failureRecord(type: ImportType, data: ImportRowData): unknown[] {
  switch (type) {
    case 'following':
      return [data.acct, data.show_reblogs ?? true, data.notify ?? false, data.languages?.join(', ') ?? null];
    case 'muting':
      return [data.acct, data.hide_notifications ?? true];
    case 'domain_blocking':
      return [data.domain];
    case 'bookmarks':
      return [data.uri];
    case 'lists':
      return [data.list_name, data.acct];
    default:
      return [data.acct];
  }
}

/** Settings::ImportsController#failures: the rows a finished import could not import, as a CSV to fix and upload again. */
export async function importFailures(ctx: AppContext, accountId: string, id: string): Promise<{ filename: string; csv: string }> {
  const found = await findOwnImport(ctx, accountId, id, ['finished']);
  const type = found.type as ImportType;
  const rows = await ctx.db.select({ data: bulkImportRows.data }).from(bulkImportRows).where(eq(bulkImportRows.bulkImportId, found.id)).orderBy(bulkImportRows.id);
  const header = type === 'following' || type === 'muting' ? [EXPECTED_HEADERS[type]] : [];
  return { filename: FAILURES_FILENAME[type], csv: writeCsv([...header, ...rows.map((row) => failureRecord(type, row.data as ImportRowData))]) };
}

/** CSV as Ruby's CSV writes it: quoted only where needed, `true`/`false`, nil as an empty field, `\n` line ends. */
export function writeCsv(records: unknown[][]): string {
  return stringify(records, { cast: { boolean: (value) => (value ? 'true' : 'false') } });
}

/**
 * BulkImport.progress!: one more row processed (and imported), counted atomically, the import
 * finished when every row is.
 */
export async function recordImportProgress(ctx: AppContext, bulkImportId: string, imported: boolean): Promise<void> {
  const [row] = await queryRows<{ processed_items: number; total_items: number }>(
    ctx.db,
    sql`UPDATE bulk_imports SET processed_items = processed_items + 1, imported_items = imported_items + ${imported ? 1 : 0}, updated_at = now() WHERE id = ${bulkImportId} RETURNING processed_items, total_items`,
  );
  if (row && row.processed_items >= row.total_items) await finishImport(ctx, bulkImportId);
}

/** The import is done (BulkImport#finalize_import). */
export async function finishImport(ctx: AppContext, bulkImportId: string): Promise<void> {
  await ctx.db
    .update(bulkImports)
    .set({ state: 'finished', finishedAt: sql`coalesce(${bulkImports.finishedAt}, now())`, updatedAt: new Date() })
    .where(eq(bulkImports.id, bulkImportId));
}

/** Vacuum::ImportsVacuum: imports older than a week, and those left unconfirmed for 10 minutes, are removed. */
export async function vacuumImports(ctx: AppContext, now = Date.now()): Promise<void> {
  await ctx.db
    .delete(bulkImports)
    .where(or(lte(bulkImports.createdAt, new Date(now - ARCHIVE_PERIOD_MS)), and(eq(bulkImports.state, 'unconfirmed'), lte(bulkImports.createdAt, new Date(now - CONFIRM_PERIOD_MS)))));
}
