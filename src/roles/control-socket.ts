import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from '../lib/node-http.ts';
import { dirname, join } from 'node:path';
import type { CommandResult } from '../cli/admin.ts';
import type { Progress } from '../cli/progress.ts';
import type { AppContext } from '../context.ts';

/**
 * The embedded instance holds PGlite, which one process at a time may open, so the `subspace`
 * admin CLI hands its commands to the running instance over this Unix socket in the data dir.
 * The protocol is one HTTP request per command: `POST /commands` with `{"argv": [...]}` answered by
 * `{"stdout", "stderr", "exitCode"}`; with `"progress": true` the answer is JSON lines instead, the
 * command's progress events as they happen, then `{"result": {"stdout", "stderr", "exitCode"}}`.
 * Only the owner of the data dir may connect (mode 0600).
 */

export const CONTROL_SOCKET_NAME = 'subspace.sock';

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET_NAME);
}

const MAX_BODY = 1024 * 1024;

/** Unix socket paths are limited to 108 bytes (sun_path), including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface ControlSocket {
  path: string;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}

async function handle(ctx: AppContext, request: IncomingMessage, response: ServerResponse) {
  if (request.method === 'GET' && request.url === '/ping') return send(response, 200, { pid: process.pid });
  if (request.method !== 'POST' || request.url !== '/commands') return send(response, 404, { error: 'not found' });
  let argv: unknown;
  let withProgress = false;
  try {
    const body = JSON.parse(await readBody(request)) as { argv?: unknown; progress?: unknown };
    argv = body.argv;
    withProgress = body.progress === true;
  } catch {
    return send(response, 400, { error: 'expected {"argv": [...]}' });
  }
  if (!Array.isArray(argv) || !argv.every((arg) => typeof arg === 'string')) return send(response, 400, { error: 'expected {"argv": [...]}' });
  // the admin commands (and the CLI's progress bars) are loaded by the first command, not at start
  const [{ runAdminCommand }, { forwardingProgress }] = await Promise.all([import('../cli/admin.ts'), import('../cli/progress.ts')]);
  let progress: Progress | undefined;
  if (withProgress) {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // the CLI may be gone (^C): what it no longer reads is dropped
    progress = forwardingProgress((event) => void (response.writableEnded || response.destroyed || response.write(`${JSON.stringify(event)}\n`)));
  }
  let result: CommandResult;
  try {
    result = await runAdminCommand(ctx, argv as string[], progress);
  } catch (error) {
    ctx.log.error({ err: error, argv: argv[0] }, 'admin command failed');
    result = { stdout: '', stderr: `subspace: ${argv[0]} failed: ${error instanceof Error ? error.message : String(error)} (details in the server log)\n`, exitCode: 1 };
  }
  ctx.log.info({ command: argv.slice(0, 2).join(' '), exitCode: result.exitCode }, 'admin command run through the control socket');
  if (withProgress) return void response.end(`${JSON.stringify({ result })}\n`);
  return send(response, 200, result);
}

/**
 * Listens on `<dataDir>/subspace.sock`. The caller holds the data dir lock, so a socket file left
 * there belongs to a process that died, and is replaced. Returns undefined (after a warning) when
 * the socket cannot be made, e.g. for a data dir path too long for a Unix socket: the instance
 * still runs, only the CLI cannot reach it.
 */
export async function startControlSocket(ctx: AppContext, path = controlSocketPath(ctx.config.dataDir)): Promise<ControlSocket | undefined> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    ctx.log.warn(`the data dir path is too long for the CLI's control socket (${path}); admin commands cannot reach this process`);
    return undefined;
  }
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const server = createServer((request, response) => {
    handle(ctx, request, response).catch((error: unknown) => {
      ctx.log.error({ err: error }, 'control socket request failed');
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  // bind with a umask that leaves only the owner's read/write, so there is no moment when others may connect
  const previousUmask = process.umask(0o177);
  let listening: Promise<void>;
  try {
    listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previousUmask);
  }
  try {
    await listening;
    chmodSync(path, 0o600);
  } catch (error) {
    server.close();
    ctx.log.warn({ err: error }, `could not open the CLI's control socket ${path}; admin commands cannot reach this process`);
    return undefined;
  }
  const inode = lstatSync(path).ino;
  server.on('error', (error) => ctx.log.error({ err: error }, 'control socket error'));
  return {
    path,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // remove the file only if it is still ours
      try {
        if (lstatSync(path).ino === inode) rmSync(path, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
