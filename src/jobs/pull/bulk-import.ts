import type { Job } from '../../backends/queue/index.ts';
import type { AppContext } from '../../context.ts';
import { resolveRemoteAccount } from '../../federation/resolve-account.ts';
import { resolveRemoteStatusUrl } from '../../federation/fetch-status.ts';
import { runBulkImport } from '../../services/imports/run-bulk-import.ts';
import { type ImportResolvers, runImportRow } from '../../services/imports/import-row.ts';
import { ImportRow } from '../definitions.ts';

/** BulkImportWorker. */
export async function runBulkImportJob(ctx: AppContext, data: { bulkImportId: string }): Promise<void> {
  await runBulkImport(ctx, data.bulkImportId);
}

/** Accounts by WebFinger (ResolveAccountService; a bare username is a member here) and statuses by URI, known here or fetched from their servers. */
const resolvers = (ctx: AppContext): ImportResolvers => ({
  account: (acct) => resolveRemoteAccount(ctx, acct.includes('@') ? acct : `${acct}@${ctx.config.localDomain}`),
  status: (uri) => resolveRemoteStatusUrl(ctx, uri),
});

/** Import::RowWorker. */
export async function runImportRowJob(ctx: AppContext, data: { rowId: string }, job: Job): Promise<void> {
  await runImportRow(ctx, data.rowId, resolvers(ctx), { lastAttempt: job.attempt >= (ImportRow.attempts ?? 1) });
}
