import type { AppContext } from '../../context.ts';
import { cleanUpIpAddresses } from '../../services/maintenance/ip-retention.ts';

/** Scheduler::IpCleanupScheduler: old sessions and IP addresses forgotten, expired IP blocks removed. */
export async function runIpCleanup(ctx: AppContext): Promise<void> {
  await cleanUpIpAddresses(ctx);
}
