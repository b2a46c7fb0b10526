import type { AppContext } from '../../context.ts';
import { vacuumRevokedAccessTokens } from '../../services/maintenance/ip-retention.ts';
import { vacuumMediaAttachments } from '../../services/media/media-vacuum.ts';
import { vacuumActiveDays } from '../../services/instance/activity.ts';

/**
 * Scheduler::VacuumScheduler, once a day: its media part (Vacuum::MediaAttachmentsVacuum), unattached
 * uploads a day old and, with MEDIA_CACHE_RETENTION_PERIOD, expired copies of remote media; and
 * revoked access tokens (Vacuum::AccessTokensVacuum); members' active days older than six months
 * (what ActivityTracker lets expire). One part failing does not stop the others.
 */
export async function runVacuum(ctx: AppContext): Promise<void> {
  for (const [name, operation] of [
    ['media attachments', vacuumMediaAttachments],
    ['access tokens', vacuumRevokedAccessTokens],
    ['active days', vacuumActiveDays],
  ] as const) {
    await operation(ctx).catch((error: unknown) => ctx.log.error({ err: error }, `vacuum of ${name} failed`));
  }
}
