import cluster from 'node:cluster';
import { QUEUE_NAMES } from '../../backends/queue/index.ts';
import { baseUrl, type Config } from '../../config/index.ts';
import { boot, type Roles } from '../../roles/boot.ts';
import { ensureClientBuilt } from '../../roles/client-build.ts';
import { runWebCluster } from '../../roles/web-cluster.ts';
import { createLogger } from '../../lib/logger.ts';
import { releaseFreeMemory } from '../../lib/release-memory.ts';
import { hasLocalUsers } from '../../services/accounts/local-users.ts';
import type { ProcessArgs } from '../process-args.ts';

/** Which roles a process command runs. */
export function rolesFor(command: string, args: ProcessArgs, config: Config): Roles {
  switch (command) {
    case 'start':
      return { web: true, streaming: true, worker: { queues: [...QUEUE_NAMES], concurrency: config.queueConcurrency }, scheduler: true };
    case 'web':
      return { web: true };
    case 'streaming':
      return { streaming: true };
    case 'scheduler':
      return { scheduler: true };
    case 'worker':
      return { worker: { queues: args.queues ?? [...QUEUE_NAMES], concurrency: args.concurrency ?? config.queueConcurrency } };
    default:
      throw new Error(`not a role: ${command}`);
  }
}

/** Runs a role until SIGINT/SIGTERM, then shuts down gracefully (running jobs finish first). */
export async function runRole(command: string, args: ProcessArgs, config: Config, configWarnings: string[] = []) {
  const roles = rolesFor(command, args, config);
  const isWebWorker = cluster.isWorker;
  // the web client is built on install; a checkout changed since (or never installed) is built here
  if (roles.web && !isWebWorker) await ensureClientBuilt(createLogger(config.logLevel, command));
  if (command === 'web' && config.webConcurrency > 1 && cluster.isPrimary) {
    const log = createLogger(config.logLevel, command);
    for (const warning of configWarnings) log.warn(warning);
    if (config.database.kind !== 'pglite') process.exit(await runWebCluster(config.webConcurrency, log));
    log.warn('WEB_CONCURRENCY is for server mode (DATABASE_URL): the embedded database admits one process, so one web process runs');
    configWarnings = [];
  }
  const instance = await boot(config, roles);
  const log = instance.ctx.log;
  // a web worker's primary has already warned
  if (!isWebWorker) for (const warning of configWarnings) log.warn(warning);
  if (instance.metricsUrl) log.info(`metrics at ${instance.metricsUrl}/metrics, readiness at ${instance.metricsUrl}/health/ready`);
  if (instance.url) log.info(`Subspace is serving ${baseUrl(config)} (listening on ${instance.url})`);
  if (roles.web && !isWebWorker && !(await hasLocalUsers(instance.ctx))) {
    log.info('No accounts yet. Create the owner with: ./bin/subspace accounts create USERNAME --email EMAIL --role Owner --confirmed');
  }
  if (roles.streaming && !roles.web && !config.redis) {
    log.warn('without REDIS_URL a streaming process hears only its own events: run `subspace start`, or set REDIS_URL for every process');
  }
  if (roles.worker) log.info(`working queues ${roles.worker.queues.join(', ')} with concurrency ${roles.worker.concurrency}`);
  // what starting took and left behind (the modules' loading) goes back to the system
  releaseFreeMemory();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    await instance.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return instance;
}
