import { randomBytes } from 'node:crypto';
import { and, desc, eq, gte, lt, lte } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, backups, users, type BackupRow } from '../../db/schema.ts';
import { Backup, BackupReadyMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { ApiError, notFound } from '../../lib/errors.ts';
import { rowId } from '../../lib/ids.ts';
import { idPartition } from '../media/keys.ts';
import { type ArchiveRenderer, buildAccountArchive } from './build-archive.ts';

/** BackupPolicy::MIN_AGE: one archive a week; Vacuum::BackupsVacuum removes archives a week old. */
export const BACKUP_INTERVAL_MS = 7 * 24 * 3600 * 1000;

/** An archive asked for within a week of the last one (BackupPolicy#create?). */
export const tooSoon = () => new ApiError(403, 'You can request an archive once every 7 days.');

/** The member's archives, newest first (Settings::ExportsController#show). */
export async function backupsOf(ctx: AppContext, userId: string): Promise<BackupRow[]> {
  return ctx.db.select().from(backups).where(eq(backups.userId, userId)).orderBy(desc(backups.id));
}

/** Whether the member may ask for an archive now. */
export async function mayRequestBackup(ctx: AppContext, userId: string, now = Date.now()): Promise<boolean> {
  const [recent] = await ctx.db
    .select({ id: backups.id })
    .from(backups)
    .where(and(eq(backups.userId, userId), gte(backups.createdAt, new Date(now - BACKUP_INTERVAL_MS))))
    .limit(1);
  return !recent;
}

/** Settings::ExportsController#create: a new archive, built by the BackupWorker job; a second within a week is refused. */
export async function requestBackup(ctx: AppContext, userId: string, options: { anyTime?: boolean } = {}): Promise<BackupRow> {
  const created = await ctx.db.transaction(async (tx) => {
    // one request at a time per member (Mastodon's with_lock("backup:<user id>"))
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    const [recent] = await tx
      .select({ id: backups.id })
      .from(backups)
      .where(and(eq(backups.userId, userId), gte(backups.createdAt, new Date(Date.now() - BACKUP_INTERVAL_MS))))
      .limit(1);
    if (recent && !options.anyTime) return undefined;
    const [row] = await tx.insert(backups).values({ userId }).returning();
    return row;
  });
  if (!created) throw tooSoon();
  await enqueue(ctx, Backup, { backupId: created.id });
  return created;
}

/** A built archive of the member's, or a 404 (BackupsController#set_backup). */
export async function findOwnBackup(ctx: AppContext, userId: string, id: string): Promise<BackupRow> {
  const backupId = rowId(id);
  if (!backupId) throw notFound();
  const [found] = await ctx.db
    .select()
    .from(backups)
    .where(and(eq(backups.id, backupId), eq(backups.userId, userId), eq(backups.processed, true)))
    .limit(1);
  if (!found?.dumpFileKey) throw notFound();
  return found;
}

async function removeBackups(ctx: AppContext, rows: Pick<BackupRow, 'id' | 'dumpFileKey'>[]) {
  const keys = rows.flatMap((row) => (row.dumpFileKey ? [row.dumpFileKey] : []));
  if (keys.length) await ctx.storage.deleteMany(keys);
  for (const row of rows) await ctx.db.delete(backups).where(eq(backups.id, row.id));
}

/** `archive-<UTC time as digits>-<32 hex>.zip`, as BackupService names it. */
function archiveFilename(now: Date): string {
  const digits = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/\D/g, '');
  return `archive-${digits}-${randomBytes(16).toString('hex')}.zip`;
}

/**
 * BackupWorker: builds the archive, stores it (privately: it is served only to its owner, through
 * `/backups/:id/download`), removes the member's older archives (only older ones: one requested after
 * this one, by `accounts backup`, may still be in the making) and mails the member.
 */
export async function runBackup(ctx: AppContext, backupId: string, render: ArchiveRenderer): Promise<void> {
  const [found] = await ctx.db
    .select({ backup: backups, account: accounts })
    .from(backups)
    .innerJoin(users, eq(users.id, backups.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(backups.id, backupId))
    .limit(1);
  if (!found || found.backup.processed) return;
  const zip = await buildAccountArchive(ctx, found.account, render);
  const filename = archiveFilename(new Date());
  const key = `backups/dumps/${idPartition(backupId)}/original/${filename}`;
  await ctx.storage.put(key, zip, 'application/zip', { private: true });
  await ctx.db.update(backups).set({ dumpFileKey: key, dumpFileName: filename, dumpFileSize: zip.length, processed: true, updatedAt: new Date() }).where(eq(backups.id, backupId));
  const older = await ctx.db
    .select({ id: backups.id, dumpFileKey: backups.dumpFileKey })
    .from(backups)
    .where(and(eq(backups.userId, found.backup.userId), lt(backups.id, backupId)));
  await removeBackups(ctx, older);
  await enqueue(ctx, BackupReadyMail, { backupId });
}

/** BackupWorker's sidekiq_retries_exhausted: an archive that could not be built is forgotten, so the member may ask again. */
export async function abandonBackup(ctx: AppContext, backupId: string): Promise<void> {
  await ctx.db.delete(backups).where(and(eq(backups.id, backupId), eq(backups.processed, false)));
}

/** Vacuum::BackupsVacuum: archives a week old are removed, with their files. */
export async function vacuumBackups(ctx: AppContext, now = Date.now()): Promise<void> {
  const expired = await ctx.db
    .select({ id: backups.id, dumpFileKey: backups.dumpFileKey })
    .from(backups)
    .where(lte(backups.createdAt, new Date(now - BACKUP_INTERVAL_MS)));
  await removeBackups(ctx, expired);
}
