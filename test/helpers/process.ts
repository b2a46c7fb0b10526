import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownAddress } from './loopback.ts';

export const NODE = new URL('../../node_modules/.bin/node', import.meta.url).pathname;
export const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** resolves with the exit code (or the signal name) */
  exited: Promise<number | string>;
}

/** Runs `subspace <args>` as a real child process with exactly this environment (plus PATH). */
export function runSubspace(args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(NODE, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => output, exited };
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export async function waitForHealthy(url: string, process?: RunningProcess) {
  await waitFor(`${url}/health${process ? `\n${process.output()}` : ''}`, async () => (await fetch(`${url}/health`)).status === 200, 30_000);
}

/** The environment of a role process on its own embedded data dir `dir`: a free port on the file's own address, info logs. */
export function roleProcessEnv(dir: string): Record<string, string> {
  return { SUBSPACE_DATA_DIR: dir, NODE_ENV: 'test', PORT: '0', BIND: ownAddress(), LOCAL_DOMAIN: 'roles.test', LOCAL_HTTPS: 'false', LOG_LEVEL: 'info' };
}
