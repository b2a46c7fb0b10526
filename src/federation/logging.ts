import { inspect } from 'node:util';
import { configureSync, getConfig, type LogRecord } from '@logtape/logtape';
import type { Logger } from '../lib/logger.ts';

let target: Logger | undefined;

// What other servers do wrong (a delivery refused, a document not found, a bad signature) is logged
// by Fedify as an error; here it is a warning, so that errors stay this instance's own failures.
const REMOTE_FAULT_CATEGORIES = ['fedify.federation.outbox', 'fedify.runtime.docloader', 'fedify.utils.docloader', 'fedify.vocab', 'fedify.webfinger'];
const REMOTE_FAULT_MESSAGES = /^(Failed to verify|The signer )/;
// Every delivery try is logged once by delivery-failures.ts (host, status, time); Fedify's own lines
// about the same try would make two or three of each failure.
const DELIVERY_TRY_MESSAGES = /^(Failed to send activity |Permanent delivery failure )/;

function write(record: LogRecord) {
  const message = record.message.map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 2, breakLength: Infinity }))).join('');
  const category = record.category.join('.');
  if (category === 'fedify.federation.outbox' && DELIVERY_TRY_MESSAGES.test(message)) return;
  const remoteFault = REMOTE_FAULT_CATEGORIES.some((prefix) => category.startsWith(prefix)) || REMOTE_FAULT_MESSAGES.test(message);
  const level = record.level === 'fatal' ? 'fatal' : record.level === 'error' && !remoteFault ? 'error' : 'warn';
  target?.[level]({ category }, message);
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
