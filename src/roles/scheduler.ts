import type { AppContext } from '../context.ts';
import { OauthCleanup, PendingDistributionsScheduler, ScheduledStatusesScheduler, type JobDefinition } from '../jobs/definitions.ts';
import { enqueue } from '../jobs/enqueue.ts';

interface Schedule {
  job: JobDefinition<Record<string, never>>;
  everySeconds: number;
}

/** What the scheduler enqueues, and how often (Mastodon's sidekiq-scheduler table). */
export const SCHEDULES: Schedule[] = [
  { job: OauthCleanup, everySeconds: 3600 },
  { job: ScheduledStatusesScheduler, everySeconds: 60 },
  { job: PendingDistributionsScheduler, everySeconds: 60 },
];

/**
 * Enqueues each scheduled job once per period. Several schedulers may run: the first to take the
 * period's marker in the shared cache enqueues it, so a job is enqueued once however many run.
 */
export function startScheduler(ctx: AppContext, schedules: Schedule[] = SCHEDULES) {
  const tick = async () => {
    const now = Date.now() / 1000;
    for (const { job, everySeconds } of schedules) {
      const period = Math.floor(now / everySeconds);
      try {
        if (await ctx.cache.setIfAbsent(`scheduler:${job.name}:${period}`, String(process.pid), everySeconds * 2)) {
          await enqueue(ctx, job, {});
        }
      } catch (error) {
        ctx.log.warn({ err: error, job: job.name }, 'could not schedule job');
      }
    }
  };
  void tick();
  const timer = setInterval(tick, 5000);
  return { stop: () => clearInterval(timer) };
}
