import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import {
  BackupScheduler,
  DeferredJobsScheduler,
  IpCleanupScheduler,
  NotificationsCleanupScheduler,
  OauthCleanup,
  PendingDistributionsScheduler,
  ScheduledStatusesScheduler,
  SuspendedUserCleanupScheduler,
  TrendsRefreshScheduler,
  UserCleanupScheduler,
  VacuumScheduler,
  type JobDefinition,
} from '../jobs/definitions.ts';
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
  { job: DeferredJobsScheduler, everySeconds: 60 },
  { job: TrendsRefreshScheduler, everySeconds: 300 },
  { job: VacuumScheduler, everySeconds: 24 * 3600 },
  { job: SuspendedUserCleanupScheduler, everySeconds: 60 },
  { job: IpCleanupScheduler, everySeconds: 24 * 3600 },
  { job: NotificationsCleanupScheduler, everySeconds: 3600 },
  { job: UserCleanupScheduler, everySeconds: 3600 },
];

/** SCHEDULES, and the backup every BACKUP_SCHEDULE once BACKUP_TO and BACKUP_RECIPIENTS say where and to whom. */
export function schedulesFor(config: Config): Schedule[] {
  const { to, recipients, everySeconds } = config.backup;
  return to && recipients.length ? [...SCHEDULES, { job: BackupScheduler, everySeconds }] : SCHEDULES;
}

/** the cache key of the leader's lease */
export const LEADER_KEY = 'scheduler:leader';

export interface SchedulerOptions {
  schedules?: Schedule[];
  /** how long the leader's lease lasts unrenewed: a dead leader is replaced within about this */
  leaseSeconds?: number;
  /** how often the leader renews its lease and enqueues what is due, and a waiting scheduler tries to lead */
  tickMs?: number;
}

export interface Scheduler {
  /** stops, giving up the lease at once so that a waiting scheduler takes over */
  stop(): Promise<void>;
}

/**
 * Enqueues each scheduled job once per period. Only one scheduler runs at a time, however many are
 * started: the leader holds a lease in the shared cache (Redis), set only if absent with a token of
 * its own and renewed by compare-and-set; the others wait and take over once it is released or has
 * expired. The per-period marker stays, so a take-over within a period does not enqueue twice.
 */
export function startScheduler(ctx: AppContext, options: SchedulerOptions = {}): Scheduler {
  const schedules = options.schedules ?? schedulesFor(ctx.config);
  const leaseSeconds = options.leaseSeconds ?? 30;
  const tickMs = options.tickMs ?? 5000;
  const token = `${hostname()}:${process.pid}:${randomUUID()}`;
  let state: 'starting' | 'leading' | 'waiting' = 'starting';

  const lead = async (): Promise<boolean> => {
    const held = state === 'leading' ? await ctx.cache.renewIfHeld(LEADER_KEY, token, leaseSeconds) : await ctx.cache.setIfAbsent(LEADER_KEY, token, leaseSeconds);
    if (held && state !== 'leading') ctx.log.info({ token }, 'scheduler: leading, enqueueing periodic jobs');
    else if (!held && state === 'leading') ctx.log.warn({ token }, 'scheduler: lost the lease, waiting to lead again');
    else if (!held && state === 'starting') ctx.log.info({ token }, 'scheduler: another scheduler leads, waiting to take over');
    state = held ? 'leading' : 'waiting';
    return held;
  };

  const enqueueDue = async () => {
    const now = Date.now() / 1000;
    for (const { job, everySeconds } of schedules) {
      const period = Math.floor(now / everySeconds);
      try {
        if (await ctx.cache.setIfAbsent(`scheduler:${job.name}:${period}`, token, everySeconds * 2)) {
          await enqueue(ctx, job, {});
        }
      } catch (error) {
        ctx.log.warn({ err: error, job: job.name }, 'could not schedule job');
      }
    }
  };

  let stopped = false;
  let running: Promise<void> | undefined;
  const tick = async () => {
    try {
      if (await lead()) await enqueueDue();
    } catch (error) {
      // the cache is unreachable: nobody can be sure to lead, so step down until it is back
      if (state === 'leading') ctx.log.warn({ err: error }, 'scheduler: cannot renew the lease, stepping down');
      state = 'waiting';
    } finally {
      running = undefined;
    }
  };
  const start = () => {
    if (!stopped && !running) running = tick();
  };
  start();
  const timer = setInterval(start, Math.min(tickMs, (leaseSeconds * 1000) / 3));

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      if (state === 'leading') await ctx.cache.deleteIfHeld(LEADER_KEY, token).catch(() => false);
      state = 'waiting';
    },
  };
}
