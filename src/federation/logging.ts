import { inspect } from 'node:util';
import { configureSync, getConfig, type LogRecord } from '@logtape/logtape';
import type { Logger } from '../lib/logger.ts';

let target: Logger | undefined;

function write(record: LogRecord) {
  const message = record.message.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 2, breakLength: Infinity }))).join('');
  const level = record.level === 'fatal' ? 'fatal' : record.level === 'error' ? 'error' : 'warn';
  target?.[level]({ category: record.category.join('.') }, message);
}

/**
 * Fedify logs through LogTape, which says nothing until configured: its warnings and errors (a
 * signature that failed to verify, a delivery that failed) go to the process's pino logger, the
 * first one given. LogTape is configured once per process and left alone if something else did.
 */
export function routeFedifyLogs(log: Logger): void {
  target ??= log;
  if (getConfig()) return;
  configureSync({
    sinks: { pino: write },
    loggers: [
      { category: 'fedify', sinks: ['pino'], lowestLevel: 'warning' },
      { category: ['logtape', 'meta'], sinks: [], lowestLevel: 'warning' },
    ],
  });
}
