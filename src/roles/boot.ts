import type { FastifyInstance } from 'fastify';
import { openBackends } from '../backends/index.ts';
import type { QueueName } from '../backends/queue/index.ts';
import type { Config } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { openDatabase, type DatabaseHandle } from '../db/index.ts';
import type { HttpTimeouts } from '../http/server.ts';
import type { StreamingHub } from '../streaming/hub.ts';
import type { StreamingRouteOptions } from '../streaming/routes.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { watchCredentialWrites } from '../services/oauth/token-cache.ts';

// Each role's modules (the HTTP app, the job handlers, the streaming hub, the scheduler) are imported
// when that role starts: an admin command boots with no role and loads none of them.

export interface Roles {
  web?: boolean;
  /** the streaming API: on the web server when both run here, else on its own server at PORT */
  streaming?: boolean;
  worker?: { queues: QueueName[]; concurrency: number };
  scheduler?: boolean;
}

export interface BootOptions {
  log?: Logger;
  /** tests shorten retry delays */
  queueBackoff?: (attempt: number) => number;
  bullmqPrefix?: string;
  /** tests shorten the streaming heartbeats and pings */
  streaming?: StreamingRouteOptions;
  /** tests shorten how long a call waits for an unreachable Redis */
  redisWaitMs?: number;
  /** tests shorten how long slow clients may take */
  httpTimeouts?: Partial<HttpTimeouts>;
}

export interface Instance {
  ctx: AppContext;
  app?: FastifyInstance;
  /** where the web (or streaming) role listens, e.g. http://127.0.0.1:3000 */
  url?: string;
  /** the streaming tier, when this process runs it */
  streaming?: StreamingHub;
  /** where the metrics exporter listens (`/metrics`, `/health/ready`), when MASTODON_PROMETHEUS_EXPORTER_ENABLED is on */
  metricsUrl?: string;
  close(): Promise<void>;
}

export class BootError extends Error {}

/**
 * Opens the database and backends and starts the requested roles in this process. Embedded mode
 * (PGlite) migrates on start; server mode expects `subspace db migrate` to have run.
 */
export async function boot(config: Config, roles: Roles, options: BootOptions = {}): Promise<Instance> {
  const roleNames = [roles.web && 'web', roles.streaming && 'streaming', roles.worker && 'worker', roles.scheduler && 'scheduler'].filter(Boolean);
  const log = options.log ?? createLogger(config.logLevel, roleNames.length > 1 ? 'subspace' : roleNames[0] || 'subspace');
  const embedded = config.database.kind === 'pglite';
  const releaseLock = embedded ? acquireDataDirLock(config.dataDir) : () => {};
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    const database = await openDatabase(config, { onError: (error) => log.warn({ err: error }, 'database connection lost') });
    cleanups.push(() => database.close());
    if (embedded) await database.migrate();
    else if (!(await database.isUpToDate())) throw new BootError('the database schema is not up to date: run `subspace db migrate`');

    const backends = await openBackends(config, database, {
      queueBackoff: options.queueBackoff,
      bullmqPrefix: options.bullmqPrefix,
      redisWaitMs: options.redisWaitMs,
    });
    cleanups.push(() => backends.close());
    const { close: _closeBackends, ...services } = backends;
    const metrics = config.metrics.enabled || config.metrics.statsd ? await openMetrics(config, database) : undefined;
    if (metrics) cleanups.push(() => metrics.close());
    const ctx: AppContext = { ...services, config, db: database.db, database, log, metrics };
    if (metrics && (roles.worker || roles.scheduler)) metrics.addSources({ queueStats: () => ctx.queue.stats() });
    watchCredentialWrites(ctx);

    if (roles.worker) {
      const { jobRunner } = await import('../jobs/handlers.ts');
      const { removeAbandonedTempDirs } = await import('../services/media/temp-dir.ts');
      await removeAbandonedTempDirs().then(
        (removed) => removed && log.info({ removed }, 'removed media working directories left by stopped processes'),
        (error: unknown) => log.warn({ err: error }, 'could not remove media working directories left by stopped processes'),
      );
      const runJob = jobRunner(ctx);
      const worker = ctx.queue.work(roles.worker.queues, metrics ? metrics.instrumentJobs(runJob) : runJob, { concurrency: roles.worker.concurrency });
      cleanups.push(() => worker.close());
    }
    if (roles.scheduler) {
      const { startScheduler } = await import('./scheduler.ts');
      const scheduler = startScheduler(ctx);
      cleanups.push(() => scheduler.stop());
    }
    const hub = roles.streaming ? new (await import('../streaming/hub.ts')).StreamingHub(ctx) : undefined;
    if (hub) cleanups.push(() => hub.close());
    if (hub && metrics) metrics.addSources({ streaming: () => ({ connections: hub.connections, subscriptions: hub.subscriptions }) });
    let app: FastifyInstance | undefined;
    let url: string | undefined;
    if (roles.web || hub) {
      app = roles.web
        ? await (await import('../http/app.ts')).buildApp(ctx, { streaming: hub, streamingOptions: options.streaming, timeouts: options.httpTimeouts })
        : await (await import('../http/streaming-app.ts')).buildStreamingApp(ctx, hub!, options.streaming, { timeouts: options.httpTimeouts });
      cleanups.push(() => app!.close());
      await app.listen({ port: config.port, host: config.bind });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      url = `http://${config.bind.includes(':') ? `[${config.bind}]` : config.bind}:${port}`;
    }
    let metricsUrl: string | undefined;
    if (metrics && config.metrics.enabled) {
      const exporter = await (await import('./metrics-exporter.ts')).startMetricsExporter(ctx, metrics, roles);
      cleanups.push(() => exporter.close());
      metricsUrl = exporter.url;
    }
    // PGlite admits one process, so the admin CLI sends its commands to this one over a socket
    if (embedded && (roles.web || roles.streaming || roles.worker || roles.scheduler)) {
      const { startControlSocket } = await import('./control-socket.ts');
      const control = await startControlSocket(ctx);
      if (control) cleanups.push(() => control.close());
    }
    return { ctx, app, url, streaming: hub, metricsUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The metrics registry (exported to Prometheus, and sent to StatsD with STATSD_ADDR), fed by the database's statements and pool and this process's Redis clients. */
async function openMetrics(config: Config, database: DatabaseHandle) {
  const { Metrics } = await import('../metrics/metrics.ts');
  const metrics = new Metrics(config.metrics);
  database.writes.statementTimer = (seconds) => metrics.observeQuery(seconds);
  const usesRedis = !!(config.redis || config.queueRedis || config.cacheRedis);
  metrics.addSources({
    databasePool: database.poolStats ? () => database.poolStats!() : undefined,
    redisClients: usesRedis ? (await import('../backends/redis.ts')).redisClientStates : undefined,
  });
  return metrics;
}
