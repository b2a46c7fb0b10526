import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string, name = 'subspace'): Logger {
  return pino({ name, level, base: { pid: process.pid, role: name } });
}
