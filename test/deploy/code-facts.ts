import { QUEUE_NAMES, type QueueName } from '../../src/backends/queue/index.ts';
import { rolesFor } from '../../src/cli/commands/roles.ts';
import { parseProcessArgs } from '../../src/cli/process-args.ts';
import { ADMIN_USAGE, isAdminCommandName, isProcessCommandName } from '../../src/cli/usage.ts';
import { loadConfig } from '../../src/config/index.ts';
import { SUBSPACE_VARIABLES } from '../../src/config/known-variables.ts';
import { exporterPort } from '../../src/roles/metrics-exporter.ts';

/**
 * What the deploy artefacts are checked against: the CLI's commands and their arguments, the
 * variables src/config reads, the ports it defaults to, the queues the jobs use.
 */

/** Variables an artefact may set that are not Subspace's (the system's own). */
const SYSTEM_VARIABLES = new Set(['PATH', 'HOME', 'TZ', 'LANG']);

/** The names among `names` that Subspace does not read. */
export function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => !SUBSPACE_VARIABLES.has(name) && !SYSTEM_VARIABLES.has(name));
}

export interface SubspaceInvocation {
  command: string;
  /** the roles a process command runs (web, streaming, worker, scheduler), none for one-shot commands */
  role?: 'web' | 'streaming' | 'worker' | 'scheduler';
  queues?: QueueName[];
}

/**
 * Checks `subspace args…` as the CLI would, before anything is opened: a known command, and
 * arguments its parser accepts (queue names included). Throws on anything it would refuse.
 */
export function checkInvocation(args: string[]): SubspaceInvocation {
  const [command, ...rest] = args;
  if (isAdminCommandName(command)) {
    const subcommands: Record<string, string> = ADMIN_USAGE[command];
    if (!rest[0] || !Object.hasOwn(subcommands, rest[0])) throw new Error(`subspace ${command} has no sub-command ${rest[0]}`);
    return { command };
  }
  if (!isProcessCommandName(command)) throw new Error(`subspace has no command ${command}`);
  const parsed = parseProcessArgs(command, rest);
  if (command === 'web' || command === 'streaming' || command === 'scheduler') return { command, role: command };
  if (command === 'worker') return { command, role: 'worker', queues: parsed.queues ?? [...QUEUE_NAMES] };
  return { command };
}

const SECRET = { SECRET_KEY_BASE: 'x'.repeat(64) };

/** The port a role listens on (PORT, defaulting as src/config does) given the variables an artefact sets. */
export function httpPort(env: Record<string, string | undefined>): number {
  return loadConfig({ ...SECRET, PORT: env.PORT }).port;
}

/** The port a role's metrics exporter listens on, given the variables an artefact sets. */
export function metricsPort(args: string[], env: Record<string, string | undefined>): number {
  const config = loadConfig({ ...SECRET, MASTODON_PROMETHEUS_EXPORTER_PORT: env.MASTODON_PROMETHEUS_EXPORTER_PORT });
  const [command, ...rest] = args;
  if (!isProcessCommandName(command)) throw new Error(`${command} is not a role`);
  return exporterPort(config.metrics.port, rolesFor(command, parseProcessArgs(command, rest), config));
}

/** Mastodon's queue split (its Helm chart's and docs' Sidekiq processes): what the artefacts run per worker group. */
export const MASTODON_QUEUE_GROUPS: QueueName[][] = [['default', 'ingress'], ['push', 'pull'], ['mailers'], ['scheduler']];

export { QUEUE_NAMES };
