import { request } from '../lib/node-http.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Config } from '../config/index.ts';
import { boot } from '../roles/boot.ts';
import { controlSocketPath } from '../roles/control-socket.ts';
import { lockHolder } from '../roles/data-dir-lock.ts';
import { CommandError, output, runPrepared, type CommandResult, type Prepared } from './admin.ts';
import { applyProgressEvent, terminalProgress, type Progress } from './progress.ts';

/** How long the CLI waits for an embedded instance that holds the data dir to answer (it may be starting). */
const STARTING_INSTANCE_WAIT_MS = 30_000;

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Sends argv to the instance listening on `socketPath` (with `progress`, which the command's
 * progress events are applied to as they come). Resolves undefined when nothing listens there;
 * rejects with a CommandError when the connection broke after the command was sent (it may have run).
 */
export function sendCommand(socketPath: string, argv: string[], progress?: Progress): Promise<CommandResult | undefined> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(progress ? { argv, progress: true } : { argv });
    let sent = false;
    const req = request({ socketPath, path: '/commands', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      // with progress, the answer is JSON lines: progress events, then `{"result": …}`
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        if (!progress) return;
        for (let newline = buffered.indexOf('\n'); newline >= 0 && !buffered.startsWith('{"result"'); newline = buffered.indexOf('\n')) {
          applyProgressEvent(progress, parseLine(buffered.slice(0, newline)));
          buffered = buffered.slice(newline + 1);
        }
      });
      response.on('error', (error) => reject(new CommandError(`lost the connection to the running instance (${error.message}); the command may have run`)));
      response.on('end', () => {
        const answer = progress && buffered.startsWith('{"result"') ? (parseLine(buffered) as { result?: unknown } | undefined)?.result : parseLine(buffered);
        if (typeof answer !== 'object' || answer === null) {
          reject(new CommandError('the running instance sent an answer the CLI cannot read'));
          return;
        }
        const parsed = answer as Partial<CommandResult> & { error?: string };
        if (response.statusCode !== 200 || typeof parsed.exitCode !== 'number') {
          reject(new CommandError(`the running instance refused the command: ${parsed.error ?? response.statusCode}`));
          return;
        }
        resolve({ stdout: parsed.stdout ?? '', stderr: parsed.stderr ?? '', exitCode: parsed.exitCode });
      });
    });
    req.on('socket', (socket) => socket.on('connect', () => (sent = true)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EACCES') reject(new CommandError(`cannot connect to ${socketPath}: permission denied (run the CLI as the user that runs Subspace)`));
      // nothing listens (no socket file, or a stale one): the command was not delivered
      else if (!sent) resolve(undefined);
      else reject(new CommandError(`lost the connection to the running instance (${error.message}); the command may have run`));
    });
    req.end(body);
  });
}

/** Opens the database and backends in this process (no roles), runs the command, and closes. */
async function runDirect(config: Config, prepared: Prepared, progress: Progress): Promise<CommandResult> {
  const level = ['debug', 'trace'].includes(config.logLevel) ? config.logLevel : 'warn';
  const log = pino({ name: 'cli', level }, pino.destination(2));
  // embedded mode takes the data dir lock and migrates a fresh data dir; server mode only connects
  const instance = await boot(config, {}, { log });
  try {
    return await runPrepared(instance.ctx, prepared, progress);
  } finally {
    await instance.close();
  }
}

const isLockError = (error: unknown) => error instanceof Error && /another Subspace process/.test(error.message);

/**
 * Runs an admin command where it can reach the database. Server mode (PostgreSQL) connects
 * directly: any number of processes may. Embedded mode sends the command to the running instance
 * over its control socket when one holds the data dir, and otherwise opens PGlite itself.
 */
export async function runAdminCli(config: Config, argv: string[], prepared: Prepared, progress: Progress = terminalProgress()): Promise<CommandResult> {
  if ('help' in prepared) return output(prepared.help);
  if (config.database.kind !== 'pglite') return runDirect(config, prepared, progress);
  const socketPath = controlSocketPath(config.dataDir);
  const deadline = Date.now() + STARTING_INSTANCE_WAIT_MS;
  for (;;) {
    const holder = lockHolder(config.dataDir);
    if (holder && holder !== process.pid) {
      const result = await sendCommand(socketPath, prepared.argv ?? argv, progress);
      if (result) return result;
      if (Date.now() > deadline) {
        throw new CommandError(
          `Subspace process ${holder} holds ${config.dataDir} but does not answer on ${socketPath}; it may still be starting, or be another CLI command; try again, or stop it to run commands directly.`,
        );
      }
      await sleep(250);
      continue;
    }
    try {
      return await runDirect(config, prepared, progress);
    } catch (error) {
      // an instance started between the check and opening the database: hand the command to it
      if (isLockError(error) && Date.now() < deadline) continue;
      throw error;
    }
  }
}
