import type { Job } from '../../backends/queue/index.ts';
import type { AppContext } from '../../context.ts';
import { archiveRenderer } from '../../federation/account-archive.ts';
import { abandonBackup, runBackup } from '../../services/exports/backups.ts';
import { Backup } from '../definitions.ts';

/** BackupWorker: builds the archive; on its last failed try the archive is forgotten (sidekiq_retries_exhausted). */
export async function runBackupJob(ctx: AppContext, data: { backupId: string }, job: Job): Promise<void> {
  try {
    await runBackup(ctx, data.backupId, archiveRenderer(ctx));
  } catch (error) {
    if (job.attempt >= (Backup.attempts ?? 1)) await abandonBackup(ctx, data.backupId);
    throw error;
  }
}
