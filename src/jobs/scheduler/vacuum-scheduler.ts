import type { AppContext } from '../../context.ts';
import { vacuumRevokedAccessTokens } from '../../services/maintenance/ip-retention.ts';
import { vacuumMediaAttachments } from '../../services/media/media-vacuum.ts';
import { vacuumBackups } from '../../services/exports/backups.ts';
import { vacuumImports } from '../../services/imports/bulk-imports.ts';

/**
 * Scheduler::VacuumScheduler, once a day: its media part (Vacuum::MediaAttachmentsVacuum), unattached
 * uploads a day old and, with MEDIA_CACHE_RETENTION_PERIOD, expired copies of remote media; and
 * revoked access tokens (Vacuum::AccessTokensVacuum), account archives a week old (Vacuum::BackupsVacuum)
 * and CSV imports a week old or left unconfirmed (Vacuum::ImportsVacuum). One part failing does not stop the others.
 */
export async function runVacuum(ctx: AppContext): Promise<void> {
  for (const [name, operation] of [
    ['media attachments', vacuumMediaAttachments],
    ['access tokens', vacuumRevokedAccessTokens],
    ['backups', (context: AppContext) => vacuumBackups(context)],
    ['imports', (context: AppContext) => vacuumImports(context)],
  ] as const) {
    await operation(ctx).catch((error: unknown) => ctx.log.error({ err: error }, `vacuum of ${name} failed`));
  }
}
