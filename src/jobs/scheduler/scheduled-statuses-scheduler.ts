import { lte } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { scheduledStatuses } from '../../db/schema.ts';
import { MIN_SCHEDULE_OFFSET_MS } from '../../services/statuses/post-status.ts';
import { enqueueDuePollExpirations } from '../default/poll-expiration-notify.ts';
import { PublishScheduledStatus } from '../definitions.ts';
import { enqueue } from '../enqueue.ts';

/**
 * Scheduler::ScheduledStatusesScheduler: every scheduled status due within the next five minutes
 * gets a PublishScheduledStatus at its time (one pending job per scheduled status). The same tick
 * enqueues the end of polls ending soon, as a backstop for the job posting enqueues.
 */
export async function scheduleDueStatuses(ctx: AppContext) {
  const due = await ctx.db
    .select({ id: scheduledStatuses.id, scheduledAt: scheduledStatuses.scheduledAt })
    .from(scheduledStatuses)
    .where(lte(scheduledStatuses.scheduledAt, new Date(Date.now() + MIN_SCHEDULE_OFFSET_MS)))
    .limit(1000);
  for (const row of due) {
    const delayMs = Math.max(0, row.scheduledAt.getTime() - Date.now());
    await enqueue(ctx, PublishScheduledStatus, { scheduledStatusId: row.id }, { delayMs, uniqueKey: `publish-scheduled-status:${row.id}` });
  }
  await enqueueDuePollExpirations(ctx);
}
