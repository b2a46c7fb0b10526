import type { AppContext } from '../../context.ts';
import { redistributeStale } from '../../services/feeds/pending-distributions.ts';

/** Scheduler::PendingDistributionsScheduler: fan-outs whose job was lost are enqueued again. */
export async function redistributePending(ctx: AppContext) {
  const count = await redistributeStale(ctx);
  if (count > 0) ctx.log.warn({ count }, 'enqueued lost fan-outs again');
}
