import type { AppContext } from '../../context.ts';
import { createBackup } from '../../services/backup/create-backup.ts';

/** The scheduled backup: to BACKUP_TO for BACKUP_RECIPIENTS, deleting archives older than BACKUP_KEEP (the webhook hears of it either way). */
export async function runScheduledBackup(ctx: AppContext): Promise<void> {
  const { to, recipients, keepSeconds } = ctx.config.backup;
  if (!to || !recipients.length) return;
  const result = await createBackup(ctx, { to, recipients, keepSeconds });
  ctx.log.info({ location: result.location, files: result.files, deleted: result.deleted }, 'backup written');
}
