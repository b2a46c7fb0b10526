import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ownAddress, ownPort } from './loopback.ts';
import { runSubspace, waitFor, type RunningProcess } from './process.ts';

/*
 * A scaled-out Subspace on one machine, for end-to-end tests: role processes started as real
 * children (`subspace web`, `streaming`, `worker`, `scheduler`), a Redis server of the test's own
 * that it can kill and start again, and a way to restart the machine's PostgreSQL cluster.
 */

const run = promisify(execFile);

/** Every child any cluster in this process started: killed on exit, whatever happened to the test. */
const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.once('exit', killChildren);
// a test runner stopping this process (a timeout, ^C) must not leave servers behind
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function track(child: ChildProcess) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Sends `signal`, then SIGKILL if the child has not exited after `graceMs`; resolves once it has exited. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export const hasCommand = (command: string, args: string[] = ['--version']) => !spawnSync(command, args, { stdio: 'ignore' }).error;

export interface TestRedisOptions {
  /** false: nothing survives a restart (no append-only file) */
  persistent?: boolean;
  /** more redis-server arguments (TLS…) */
  args?: string[];
}

/**
 * A redis-server of the test's own on a port of the test file's own address, persistent as a
 * production Redis is (an append-only file fsynced on every write, in a temporary directory), so
 * that a restart keeps the job queues and the home feeds.
 */
export class TestRedis {
  readonly port: number;
  readonly url: string;
  readonly #dir: string;
  #child: ChildProcess | undefined;
  #output = '';

  readonly host = ownAddress();
  readonly #options: TestRedisOptions;

  private constructor(options: TestRedisOptions) {
    this.port = ownPort();
    this.url = `redis://${this.host}:${this.port}/0`;
    this.#options = options;
    this.#dir = mkdtempSync(join(tmpdir(), 'subspace-redis-'));
  }

  static async start(options: TestRedisOptions = {}): Promise<TestRedis> {
    const redis = new TestRedis(options);
    await redis.start();
    return redis;
  }

  /** Starts redis-server (again) on the same port and data directory; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.#child && isRunning(this.#child)) throw new Error('redis-server is already running');
    const persistence = this.#options.persistent === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always'];
    const args = ['--port', String(this.port), '--bind', this.host, '--dir', this.#dir, '--save', '', ...persistence, ...(this.#options.args ?? [])];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        this.#output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}):\n${output}`));
      });
    });
  }

  /** Kills redis-server (SIGKILL by default: a crash; what was acknowledged is in the fsynced append-only file). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.#child) await stopChild(this.#child, signal);
  }

  output(): string {
    return this.#output;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export interface ClusterProcess extends RunningProcess {
  name: string;
  args: string[];
  /** where it listens (web and streaming roles) */
  url?: string;
}

/** The role processes of one instance, all with the same environment (each listener on a port of its own). */
export class Cluster {
  readonly env: Record<string, string>;
  readonly #processes = new Map<string, ClusterProcess>();
  /** output of processes that were replaced by a restart, for the failure report */
  #history: string[] = [];

  constructor(env: Record<string, string>) {
    this.env = env;
  }

  /** Starts `subspace <args>` as `name`; roles that listen get a PORT of their own on the file's own address. */
  async start(name: string, args: string[], options: { listens?: boolean; port?: number } = {}): Promise<ClusterProcess> {
    const previous = this.#processes.get(name);
    if (previous && isRunning(previous.child)) throw new Error(`${name} is already running`);
    if (previous) this.#history.push(`--- ${name} (an earlier run, exited ${previous.child.exitCode ?? previous.child.signalCode}) ---\n${previous.output()}`);
    const port = options.port ?? (options.listens ? ownPort() : undefined);
    const env = port === undefined ? this.env : { ...this.env, BIND: ownAddress(), PORT: String(port) };
    const running = runSubspace(args, env);
    track(running.child);
    const process: ClusterProcess = { ...running, name, args, url: port === undefined ? undefined : `http://${ownAddress()}:${port}` };
    this.#processes.set(name, process);
    return process;
  }

  get(name: string): ClusterProcess {
    const process = this.#processes.get(name);
    if (!process) throw new Error(`no process ${name}`);
    return process;
  }

  isRunning(name: string): boolean {
    const process = this.#processes.get(name);
    return !!process && isRunning(process.child);
  }

  /** Kills a process without warning and waits until it is gone. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    const process = this.get(name);
    process.child.kill(signal);
    return process.exited;
  }

  /** Starts a process that exited again, with the same arguments and port. */
  async restart(name: string): Promise<ClusterProcess> {
    const process = this.get(name);
    if (isRunning(process.child)) await stopChild(process.child);
    return this.start(name, process.args, { port: process.url ? Number(new URL(process.url).port) : undefined });
  }

  /** Waits until `path` answers 200 on a listening process; fails early, with its output, if it exits. */
  async waitUntilServing(name: string, path: string, timeoutMs = 60_000): Promise<void> {
    const process = this.get(name);
    await waitFor(
      `${name} to answer 200 on ${path}`,
      async () => {
        if (!isRunning(process.child)) throw new Error(`${name} exited (${process.child.exitCode ?? process.child.signalCode}):\n${process.output()}`);
        const response = await fetch(`${process.url}${path}`, { signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        return response.status === 200;
      },
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- ${name} output ---\n${process.output().slice(-4000)}`);
    });
  }

  /** Waits a little and checks that a process that does not listen is still running (it exits at once on a bad start). */
  async waitUntilRunning(name: string, settleMs = 3000): Promise<void> {
    const process = this.get(name);
    await sleep(settleMs);
    if (!isRunning(process.child)) throw new Error(`${name} exited (${process.child.exitCode ?? process.child.signalCode}):\n${process.output()}`);
  }

  names(): string[] {
    return [...this.#processes.keys()];
  }

  /** Every process' output (the tail of each), for a failure report. */
  report(tail = 6000): string {
    const current = [...this.#processes.values()].map(
      (process) => `--- ${process.name} (${isRunning(process.child) ? 'running' : `exited ${process.child.exitCode ?? process.child.signalCode}`}) ---\n${process.output().slice(-tail)}`,
    );
    return [...this.#history.map((entry) => entry.slice(-tail)), ...current].join('\n');
  }

  /** Stops every process: SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await Promise.all([...this.#processes.values()].map((process) => stopChild(process.child, 'SIGTERM', 10_000)));
  }
}

/** The `pg_ctlcluster` version and name of the machine's cluster listening on `port`, if there is one. */
export function postgresCluster(port: number): { version: string; name: string } | undefined {
  const listed = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  if (listed.error || listed.status !== 0) return undefined;
  for (const line of listed.stdout.split('\n')) {
    const [version, name, clusterPort] = line.trim().split(/\s+/);
    if (version && name && Number(clusterPort) === port) return { version, name };
  }
  return undefined;
}

/** Restarts the machine's PostgreSQL cluster (PgBouncer stays up in front of it); resolves once it is back. */
export async function restartPostgres(cluster: { version: string; name: string }): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart'], { timeout: 120_000 });
}
