import { parseArgs } from 'node:util';
import { isQueueName, QUEUE_NAMES, type QueueName } from '../backends/queue/index.ts';
import { parseCommandArgs } from './args.ts';
import { UsageError } from './usage-error.ts';
import { processUsage, type ProcessCommandName } from './usage.ts';

/** What a command without sub-commands was given; only `worker` takes options. */
export interface ProcessArgs {
  queues?: QueueName[];
  concurrency?: number;
}

function parseQueues(value: string, text: string): QueueName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !isQueueName(name));
  if (unknown.length > 0 || names.length === 0) throw new UsageError(`unknown queue: ${unknown.join(', ') || '(none)'}; queues are ${QUEUE_NAMES.join(', ')}`, text);
  return names as QueueName[];
}

function parseConcurrency(value: string, text: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError('--concurrency takes a whole number of at least 1', text);
  return Number(value);
}

/** The commands that take one sub-command: `db migrate`, `config check`. */
const SUBCOMMANDS: Partial<Record<ProcessCommandName, string>> = { db: 'migrate', config: 'check', webpush: 'generate-vapid-key' };

/**
 * Checks the arguments of `start`, `web`, `streaming`, `worker`, `scheduler`, `db`, `upgrade`, `secret`,
 * `webpush` and `version` before anything is opened; throws UsageError on anything they do not take.
 */
export function parseProcessArgs(command: ProcessCommandName, args: string[]): ProcessArgs {
  const text = processUsage(command);
  if (command === 'worker') {
    const { values } = parseCommandArgs(text, () => parseArgs({ args, strict: true, options: { queues: { type: 'string', short: 'q' }, concurrency: { type: 'string', short: 'c' } } }));
    return {
      queues: values.queues === undefined ? undefined : parseQueues(values.queues, text),
      concurrency: values.concurrency === undefined ? undefined : parseConcurrency(values.concurrency, text),
    };
  }
  const subcommand = SUBCOMMANDS[command];
  const { positionals } = parseCommandArgs(text, () => parseArgs({ args, strict: true, allowPositionals: !!subcommand, options: {} }));
  if (subcommand && positionals[0] !== subcommand) throw new UsageError(`unknown ${command} command: ${positionals[0] ?? '(none)'}`, text);
  if (positionals.length > (subcommand ? 1 : 0)) throw new UsageError(`unexpected argument: ${positionals.at(-1)}`, text);
  return {};
}
