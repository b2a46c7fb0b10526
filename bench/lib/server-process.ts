/**
 * The server under test as child processes of a bench (never in the bench's own event loop):
 * `subspace start|web|worker|streaming` started with bench/lib/process-probe.ts preloaded, which
 * answers over IPC with the garbage-collected heap and the event-loop delay; RSS and CPU time are
 * read from /proc. BENCH_NODE_FLAGS adds node flags (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownAddress } from '../../test/helpers/loopback.ts';
import { CLI, NODE } from '../../test/helpers/process.ts';

/** what a deployment runs: its node flags and allocator settings apply to the roles measured */
const SUBSPACE = new URL('../../bin/subspace', import.meta.url).pathname;
const PROBE = new URL('./process-probe.ts', import.meta.url).pathname;

export { CLI, NODE };
/** a port of the bench's own loopback address, nobody else's (see test/helpers/loopback.ts) */
export { ownPort } from '../../test/helpers/loopback.ts';

export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

let stopping = false;
const children = new Set<ServerProcess>();
process.once('exit', () => {
  for (const child of children) if (!child.exited) child.child.kill('SIGKILL');
});

/** Kills every child on Ctrl-C, after `cleanup` (e.g. removing a data dir). */
export function killChildrenOnSignal(cleanup: () => void = () => {}): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const child of children) if (!child.exited) child.child.kill('SIGKILL');
      cleanup();
      process.exit(130);
    });
  }
}

/** Stops the children without reporting their exit as unexpected. */
export async function stopAll(servers: Iterable<ServerProcess> = children): Promise<void> {
  stopping = true;
  await Promise.all([...servers].map((server) => server.stop()));
  stopping = false;
}

/** VmRSS of a process in bytes (NaN once it is gone). */
export function vmRss(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export class ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url?: string;
  #output = '';
  #pending = new Map<number, (answer: Record<string, unknown>) => void>();
  #nextId = 1;
  exited = false;

  /** `port` set: the process listens there (PORT, on the bench's own address: BIND) and `url` points at it. `script` replaces the CLI. */
  constructor(name: string, args: string[], env: Record<string, string | undefined>, port?: number, options: { script?: string } = {}) {
    this.name = name;
    this.url = port === undefined ? undefined : `http://${ownAddress()}:${port}`;
    const extra = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
    const nodeOptions = [...extra, '--expose-gc', `--import=${PROBE}`];
    // a role through bin/subspace (the node options reach it in NODE_OPTIONS), a script with node
    const [command, commandArgs] = options.script ? [NODE, [...nodeOptions, options.script, ...args]] : [SUBSPACE, args];
    this.child = spawn(command, commandArgs, {
      env: {
        ...env,
        ...(port === undefined ? {} : { BIND: ownAddress(), PORT: String(port) }),
        ...(options.script ? {} : { NODE_OPTIONS: [env.NODE_OPTIONS, ...nodeOptions].filter(Boolean).join(' ') }),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString()).slice(-20_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('message', (answer: { id?: number }) => {
      const resolve = typeof answer?.id === 'number' ? this.#pending.get(answer.id) : undefined;
      this.#pending.delete(answer.id!);
      resolve?.(answer as Record<string, unknown>);
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      children.delete(this);
      if (!stopping) {
        console.error(`\n${name} exited unexpectedly (${code ?? signal}); its last output:\n${this.#output.slice(-6000)}`);
        process.exitCode = 1;
      }
    });
    children.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  output(): string {
    return this.#output;
  }

  /** Sends a message of the bench's own (to a `script` child) and waits for the answer with the same id. */
  ask(message: Record<string, unknown>, timeoutMs = 600_000): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name} did not answer ${JSON.stringify(message.type)}`));
      }, timeoutMs);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        if (typeof answer.error === 'string') reject(new Error(`${this.name}: ${answer.error}`));
        else resolve(answer);
      });
      this.child.send({ ...message, id });
    });
  }

  /** Heap figures after a forced collection, and VmRSS from /proc read right after it. */
  async memory(): Promise<MemoryUsage> {
    const answer = await this.ask({ type: 'memory' }, 120_000);
    return { ...(answer.memory as MemoryUsage), rss: this.vmRss() };
  }

  /** Event-loop delay since the previous call. */
  async loopDelay(): Promise<LoopDelay> {
    return (await this.ask({ type: 'loop' }, 120_000)).loop as LoopDelay;
  }

  vmRss(): number {
    return vmRss(this.pid);
  }

  /** CPU time (user + system) in clock ticks. */
  cpuTicks(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  }

  /** Waits until the process is idle: under 5% of a core for two half-second samples in a row (60 s at most). */
  async settle(): Promise<void> {
    const deadline = Date.now() + 60_000;
    let quiet = 0;
    let last = this.cpuTicks();
    while (quiet < 2 && Date.now() < deadline) {
      await sleep(500);
      const now = this.cpuTicks();
      quiet = now - last <= 2 ? quiet + 1 : 0;
      last = now;
    }
  }

  /** Waits until the process answers `path` with 200 (`url` given), or says `ready` over IPC (a `script`). */
  async waitUntilServing(path = '/health'): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (this.exited) throw new Error(`${this.name} exited before serving:\n${this.#output.slice(-6000)}`);
      try {
        const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not answer ${path}:\n${this.#output.slice(-6000)}`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The environment of a bench's server processes: server mode when DATABASE_URL is set (REDIS_URL
 * then required), else embedded in a data dir of its own, removed when the bench is interrupted.
 */
export function benchEnvironment(name: string, concurrency: number, extra: Record<string, string> = {}) {
  const serverMode = !!process.env.DATABASE_URL;
  if (serverMode && !process.env.REDIS_URL) throw new Error('server mode needs REDIS_URL as well as DATABASE_URL');
  const dataDir = mkdtempSync(join(tmpdir(), `subspace-bench-${name}-`));
  killChildrenOnSignal(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string | undefined> = {
    LOG_LEVEL: 'warn',
    ...process.env,
    LOCAL_DOMAIN: 'bench.test',
    LOCAL_HTTPS: 'false',
    BIND: '127.0.0.1',
    ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8',
    SUBSPACE_DATA_DIR: dataDir,
    SIDEKIQ_CONCURRENCY: String(concurrency),
    SECRET_KEY_BASE: process.env.SECRET_KEY_BASE ?? randomBytes(64).toString('hex'),
    ...extra,
  };
  return { serverMode, dataDir, env };
}
