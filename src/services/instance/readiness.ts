import type { AppContext } from '../../context.ts';

export type CheckState = 'ok' | 'down';

/** Races a dependency check against a deadline so a hung backend shows as down instead of hanging the probe. */
export async function check(probe: () => Promise<unknown>, timeoutMs = 2000): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([probe().then(() => 'ok' as const), deadline]);
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  /** each dependency's state: `database`, `redis` (when one is configured) and `storage` */
  checks: Record<string, CheckState>;
  /** the checks that failed */
  failed: string[];
}

/**
 * Whether this process can serve: the database answers, Redis (every one configured: the main one,
 * the queues' and the cache's) answers, and media can be stored (the media directory is writable,
 * or the bucket answers). What Kubernetes' readiness probe and a load balancer ask.
 */
export async function readiness(ctx: AppContext): Promise<Readiness> {
  const { config } = ctx;
  const usesRedis = !!(config.redis || config.queueRedis || config.cacheRedis);
  const probes: [string, () => Promise<unknown>][] = [
    ['database', () => ctx.database.ping()],
    ...(usesRedis ? [['redis', () => Promise.all([ctx.cache.ping(), ctx.queue.ping(), ctx.pubsub.ping()])] as [string, () => Promise<unknown>]] : []),
    ['storage', () => ctx.storage.ping()],
  ];
  const states = await Promise.all(probes.map(([, probe]) => check(probe)));
  const checks = Object.fromEntries(probes.map(([name], index) => [name, states[index]!]));
  const failed = probes.map(([name]) => name).filter((name) => checks[name] !== 'ok');
  return { ready: failed.length === 0, checks, failed };
}
