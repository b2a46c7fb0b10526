import { parseArgs } from 'node:util';
import { isQueueName, QUEUE_NAMES, type QueueName } from '../../backends/queue/index.ts';
import { baseUrl, type Config } from '../../config/index.ts';
import { boot, type Roles } from '../../roles/boot.ts';
import { hasLocalUsers } from '../../services/local-users.ts';
import { UsageError } from '../usage-error.ts';

const WORKER_USAGE = 'subspace worker [--queues default,push,ingress,mailers,pull,scheduler] [--concurrency N]';

function parseQueues(value: string | undefined): QueueName[] {
  if (!value) return [...QUEUE_NAMES];
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !isQueueName(name));
  if (unknown.length > 0 || names.length === 0) throw new UsageError(`unknown queue: ${unknown.join(', ') || '(none)'}; queues are ${QUEUE_NAMES.join(', ')}`, WORKER_USAGE);
  return names as QueueName[];
}

function parseConcurrency(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError('--concurrency takes a whole number of at least 1', WORKER_USAGE);
  return Number(value);
}

/** Which roles a process command runs. */
export function rolesFor(command: string, args: string[], config: Config): Roles {
  switch (command) {
    case 'start':
      return { web: true, streaming: true, worker: { queues: [...QUEUE_NAMES], concurrency: config.queueConcurrency }, scheduler: true };
    case 'web':
      return { web: true };
    case 'streaming':
      return { streaming: true };
    case 'scheduler':
      return { scheduler: true };
    case 'worker': {
      const { values } = parseArgs({ args, options: { queues: { type: 'string', short: 'q' }, concurrency: { type: 'string', short: 'c' } }, strict: true });
      return { worker: { queues: parseQueues(values.queues), concurrency: parseConcurrency(values.concurrency, config.queueConcurrency) } };
    }
    default:
      throw new Error(`not a role: ${command}`);
  }
}

/** Runs a role until SIGINT/SIGTERM, then shuts down gracefully (running jobs finish first). */
export async function runRole(command: string, args: string[], config: Config) {
  const roles = rolesFor(command, args, config);
  const instance = await boot(config, roles);
  const log = instance.ctx.log;
  if (instance.url) log.info(`Subspace is serving ${baseUrl(config)} (listening on ${instance.url})`);
  if (roles.web && !(await hasLocalUsers(instance.ctx))) {
    log.info('No accounts yet. Create the owner with: ./bin/subspace accounts create USERNAME --email EMAIL --role Owner --confirmed');
  }
  if (roles.streaming && !roles.web && !config.redis) {
    log.warn('without REDIS_URL a streaming process hears only its own events: run `subspace start`, or set REDIS_URL for every process');
  }
  if (roles.worker) log.info(`working queues ${roles.worker.queues.join(', ')} with concurrency ${roles.worker.concurrency}`);
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
