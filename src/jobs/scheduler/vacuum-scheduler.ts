import type { AppContext } from '../../context.ts';
import { vacuumRevokedAccessTokens } from '../../services/maintenance/ip-retention.ts';
import { vacuumAbandonedApplications, vacuumInactiveFeeds, vacuumPreviewCardImages, vacuumStatuses } from '../../services/maintenance/vacuums.ts';
import { vacuumMediaAttachments } from '../../services/media/media-vacuum.ts';
import { vacuumBackups } from '../../services/exports/backups.ts';
import { vacuumImports } from '../../services/imports/bulk-imports.ts';
import { vacuumActiveDays } from '../../services/instance/activity.ts';

/**
 * Scheduler::VacuumScheduler, once a day: other servers' statuses past CONTENT_CACHE_RETENTION_PERIOD
 * (Vacuum::StatusesVacuum), media (Vacuum::MediaAttachmentsVacuum: unattached uploads a day old and,
 * with MEDIA_CACHE_RETENTION_PERIOD, expired copies of remote media), preview card thumbnails past
 * MEDIA_CACHE_RETENTION_PERIOD (Vacuum::PreviewCardsVacuum), revoked access tokens
 * (Vacuum::AccessTokensVacuum), the feeds of inactive members (Vacuum::FeedsVacuum), abandoned
 * applications (Vacuum::ApplicationsVacuum), account archives a week old (Vacuum::BackupsVacuum) and CSV
 * imports a week old or left unconfirmed (Vacuum::ImportsVacuum), members' active days older than six
 * months (what ActivityTracker lets expire). One part failing does not stop the others.
 */
export const VACUUMS: readonly (readonly [string, (ctx: AppContext) => Promise<unknown>])[] = [
  ['statuses', vacuumStatuses],
  ['media attachments', vacuumMediaAttachments],
  ['preview cards', vacuumPreviewCardImages],
  ['access tokens', vacuumRevokedAccessTokens],
  ['feeds', vacuumInactiveFeeds],
  ['applications', vacuumAbandonedApplications],
  ['backups', (context) => vacuumBackups(context)],
  ['imports', (context) => vacuumImports(context)],
  ['active days', vacuumActiveDays],
];

export async function runVacuum(ctx: AppContext): Promise<void> {
  for (const [name, operation] of VACUUMS) {
    await operation(ctx).catch((error: unknown) => ctx.log.error({ err: error }, `vacuum of ${name} failed`));
  }
}
