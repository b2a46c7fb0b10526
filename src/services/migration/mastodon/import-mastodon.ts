import { count, eq, isNull } from 'drizzle-orm';
import { baseUrl, type Config } from '../../../config/index.ts';
import type { Database } from '../../../db/index.ts';
import { accounts, mastodonImportProgress, statuses } from '../../../db/schema.ts';
import { INSTANCE_ACTOR_ID } from './mastodon-enums.ts';
import { otpSecretReader, type MastodonSecrets } from './otp-secrets.ts';
import type { MediaSource } from './paperclip.ts';
import type { MastodonSourceDb } from './source.ts';
import { BEFORE_ALL, type Skips, type StepContext } from './step.ts';
import { IMPORT_STEPS, NOT_CARRIED } from './steps/index.ts';

export class ImportRefused extends Error {}

export const BATCH_SIZE = 1000;

export interface StepReport {
  step: string;
  /** rows read from Mastodon */
  rows: number;
  skipped: Skips;
}

export interface ImportReport {
  domain: string;
  /** how the Mastodon instance's domain was found */
  domainFrom: string;
  resumed: boolean;
  dryRun: boolean;
  steps: StepReport[];
  /** what Mastodon holds that was not carried over at all: reason → rows */
  notCarried: { reason: string; rows: number }[];
}

/**
 * The Mastodon instance's LOCAL_DOMAIN: its instance actor is named after it (Account.representative);
 * else the host of its local statuses' URIs.
 */
export async function sourceDomain(source: MastodonSourceDb): Promise<{ domain: string; from: string; scheme: string | null }> {
  const [statusUri] = await source.query<{ uri: string }>(`SELECT s.uri FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NULL AND s.uri IS NOT NULL LIMIT 1`);
  const scheme = statusUri ? new URL(statusUri.uri).protocol.replace(':', '') : null;
  const [actor] = await source.query<{ username: string }>(`SELECT username FROM accounts WHERE id = ${INSTANCE_ACTOR_ID} AND domain IS NULL`);
  if (actor?.username.includes('.')) return { domain: actor.username.toLowerCase(), from: 'its instance actor (account -99)', scheme };
  if (statusUri) return { domain: new URL(statusUri.uri).host.toLowerCase(), from: `its local statuses' URIs (${statusUri.uri})`, scheme };
  throw new ImportRefused('cannot tell the Mastodon instance’s domain: it has no instance actor (account -99) and no local statuses');
}

/** Refuses what would make the import wrong: another domain, another scheme, an instance that holds data. */
async function preflight(config: Config, db: Database, source: MastodonSourceDb): Promise<{ domain: string; from: string; resumed: boolean }> {
  const { domain, from, scheme } = await sourceDomain(source);
  if (domain !== config.localDomain.toLowerCase()) {
    throw new ImportRefused(
      `the Mastodon database is the instance of ${domain} (found from ${from}), and this instance has LOCAL_DOMAIN=${config.localDomain}: set LOCAL_DOMAIN=${domain}, as the handles and URIs must stay the same`,
    );
  }
  const ownScheme = new URL(baseUrl(config)).protocol.replace(':', '');
  if (scheme && scheme !== ownScheme) {
    throw new ImportRefused(`the Mastodon instance's URIs start with ${scheme}://, this instance's with ${ownScheme}:// : set LOCAL_HTTPS=${scheme === 'https' ? 'true' : 'false'}`);
  }
  const [progress] = await db.select({ count: count() }).from(mastodonImportProgress);
  if (progress!.count > 0) return { domain, from, resumed: true };
  const [local] = await db.select({ count: count() }).from(accounts).where(isNull(accounts.domain));
  const [posted] = await db.select({ count: count() }).from(statuses);
  if (local!.count > 0 || posted!.count > 0) {
    throw new ImportRefused(`this instance is not empty (${local!.count} local accounts, ${posted!.count} statuses): import into a new instance, with an empty database`);
  }
  return { domain, from, resumed: false };
}

async function notCarried(source: MastodonSourceDb): Promise<ImportReport['notCarried']> {
  const found = [];
  for (const entry of NOT_CARRIED) {
    if (!(await source.hasTable(entry.table))) continue;
    const [row] = await source.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM ${entry.table}${entry.where ? ` WHERE ${entry.where}` : ''}`);
    if (row && row.rows > 0) found.push({ reason: entry.reason, rows: row.rows });
  }
  return found;
}

/** How far a step is (the CLI draws a bar of it). */
export interface StepProgress {
  start(total: number): void;
  increment(by?: number): void;
  stop(): void;
}

export interface ImportOptions {
  media: MediaSource;
  dryRun?: boolean;
  /** a progress bar per step */
  progress?: (step: string) => StepProgress;
  batchSize?: number;
  /** Mastodon's keys, to carry its members' TOTP secrets */
  secrets?: MastodonSecrets;
}

/**
 * Fills an empty instance from a Mastodon database, step by step (./steps), each in batches by
 * source id: a batch and the step's progress are written in one transaction, so a run that stopped
 * goes on from the last batch it wrote, and rows already there are left as they are.
 */
export async function importMastodon(config: Config, db: Database, source: MastodonSourceDb, options: ImportOptions): Promise<ImportReport> {
  if (!options.dryRun) return runImport(config, db, source, options);
  // a dry run is the import itself, each step deciding what it carries and skips as it would, in one
  // transaction rolled back at the end (a step's decisions can depend on what earlier steps wrote);
  // media files are only looked for
  const media: MediaSource = options.media.kind === 'dir' ? { ...options.media, dryRun: true } : options.media;
  let report: ImportReport | undefined;
  await db
    .transaction(async (tx) => {
      report = await runImport(config, tx as unknown as Database, source, { ...options, media });
      throw new DryRunDone();
    })
    .catch((error: unknown) => {
      if (!(error instanceof DryRunDone)) throw error;
    });
  return report!;
}

class DryRunDone extends Error {}

async function runImport(config: Config, db: Database, source: MastodonSourceDb, options: ImportOptions): Promise<ImportReport> {
  const { domain, from, resumed } = await preflight(config, db, source);
  const ctx: StepContext = { config, base: baseUrl(config), source, media: options.media, readOtpSecret: otpSecretReader(options.secrets ?? {}) };
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const steps: StepReport[] = [];
  for (const step of IMPORT_STEPS) {
    if (!(await source.hasTable(step.table))) continue;
    const [saved] = await db.select().from(mastodonImportProgress).where(eq(mastodonImportProgress.step, step.name));
    const report: StepReport = { step: step.name, rows: saved?.imported ?? 0, skipped: { ...(saved?.skipped ?? {}) } };
    steps.push(report);
    if (saved?.finishedAt) continue;
    let lastId = saved?.lastId ?? BEFORE_ALL;
    const [remaining] = await source.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM ${step.table} WHERE id > $1::bigint`, [lastId]);
    const bar = options.progress?.(step.name);
    bar?.start(remaining?.rows ?? 0);
    const read = (after: string) => {
      const batch = source.query<{ id: string }>(step.select, [after, batchSize]);
      // a read ahead that is not waited for (the write before it failed) must not fail the process
      batch.catch(() => {});
      return batch;
    };
    let next = read(lastId);
    for (;;) {
      const rows = await next;
      // the next batch is read from Mastodon while this one is written
      if (rows.length === batchSize) next = read(rows.at(-1)!.id);
      const batchSkips: Skips = {};
      const skip = (reason: string, by = 1) => {
        batchSkips[reason] = (batchSkips[reason] ?? 0) + by;
      };
      const done = rows.length < batchSize;
      await db.transaction(async (tx) => {
        if (rows.length > 0) await step.write(tx as unknown as Database, rows, ctx, skip);
        for (const [reason, by] of Object.entries(batchSkips)) report.skipped[reason] = (report.skipped[reason] ?? 0) + by;
        report.rows += rows.length;
        if (rows.length > 0) lastId = rows.at(-1)!.id;
        const values = { step: step.name, lastId, imported: report.rows, skipped: report.skipped, finishedAt: done ? new Date() : null, updatedAt: new Date() };
        await tx.insert(mastodonImportProgress).values(values).onConflictDoUpdate({ target: mastodonImportProgress.step, set: values });
      });
      bar?.increment(rows.length);
      if (done) break;
    }
    bar?.stop();
  }
  return { domain, domainFrom: from, resumed, dryRun: !!options.dryRun, steps, notCarried: await notCarried(source) };
}

/** The report as the CLI prints it: what was carried over, then everything that was not, and why. */
export function formatImportReport(report: ImportReport): string {
  const lines = [
    `${report.dryRun ? 'Would import' : 'Imported'} the Mastodon instance of ${report.domain} (found from ${report.domainFrom})${report.resumed ? ', continuing the import that was under way' : ''}:`,
  ];
  for (const step of report.steps) lines.push(`  ${step.step}: ${step.rows}`);
  const skipped = report.steps.flatMap((step) => Object.entries(step.skipped).map(([reason, rows]) => ({ step: step.step, reason, rows })));
  if (skipped.length === 0 && report.notCarried.length === 0) {
    lines.push('Everything was carried over.');
    return lines.join('\n');
  }
  lines.push('Not carried over:');
  for (const entry of skipped) lines.push(`  ${entry.step}: ${entry.rows} × ${entry.reason}`);
  for (const entry of report.notCarried) lines.push(`  ${entry.rows} × ${entry.reason}`);
  return lines.join('\n');
}
