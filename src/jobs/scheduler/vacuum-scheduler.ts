import type { AppContext } from '../../context.ts';
import { vacuumMediaAttachments } from '../../services/media/media-vacuum.ts';

/**
 * Scheduler::VacuumScheduler, once a day: for now its media part (Vacuum::MediaAttachmentsVacuum),
 * unattached uploads a day old and, with MEDIA_CACHE_RETENTION_PERIOD, expired copies of remote media.
 */
export async function runVacuum(ctx: AppContext): Promise<void> {
  await vacuumMediaAttachments(ctx);
}
