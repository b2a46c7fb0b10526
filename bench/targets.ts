/**
 * The targets of issue 12, measured end to end with the server in processes of its own and this
 * bench as the client, in embedded mode and (DATABASE_URL and REDIS_URL naming an empty database)
 * server mode, each figure also as a ratio to a bare node:http server answering a constant JSON
 * body, measured by the same client in the same run (bench/lib/bare-server.ts).
 *
 * Per mode: seed (bench/lib/targets-seed.ts), start `subspace start` (embedded) or `subspace web`,
 * `worker` and `streaming` (server), then: idle RSS; CPU time of `subspace --help` and
 * `subspace accounts create`; home and public timelines and POST /api/v1/statuses (req/s, p50,
 * p99, after a warm-up); one post into 10,000 home feeds (until sampled followers' homes show
 * it); inbound signed Creates accepted by the web tier, then processed by one worker process
 * (the senders in a process of their own); 50 concurrent clients for 60 s (embedded).
 *
 *   node bench/targets.ts [--mode embedded|server|both] [--quick] [--seconds 10] [--connections 10]
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { measure, percentile, printTable, type Measurement } from './lib/load.ts';
import { CLI, ownPort, killChildrenOnSignal, NODE, ServerProcess, stopAll } from './lib/server-process.ts';
import { seedTargets, VIEWERS, type RemoteActor } from './lib/targets-seed.ts';

const USAGE = `Usage: node bench/targets.ts [options]
  --mode          embedded, server or both (default: both when DATABASE_URL and REDIS_URL are set, else embedded)
  --quick         a short run: 3 s per endpoint, 1 s warm-up, 300 Creates, 15 s of concurrent clients
  --seconds       seconds per measured endpoint (default 10)
  --warmup        seconds of warm-up before each (default 3)
  --connections   concurrent request loops (default 10)
  --followers     followers of the account whose post is timed through fan-out (default 10000)
  --activities    inbound signed Creates (default 1000)
  --senders       remote servers they come from (default 10, on 127.0.0.60…)
  --concurrent    seconds of the 50 concurrent clients (default 60; 0 skips)
  --skip          comma-separated parts to leave out: cli,timelines,post,fanout,inbound,concurrent

Server mode needs an empty database in DATABASE_URL and REDIS_URL (e.g. createdb -h 127.0.0.1 -U postgres bench_x).
BENCH_NODE_FLAGS adds node flags to the server processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").`;

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    quick: { type: 'boolean' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    followers: { type: 'string' },
    activities: { type: 'string' },
    senders: { type: 'string' },
    concurrent: { type: 'string' },
    skip: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const whole = (value: string | undefined, name: string, fallback: number, least = 1) => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < least) throw new Error(`--${name} takes a whole number of at least ${least}`);
  return Number(value);
};
const quick = values.quick ?? false;
const seconds = whole(values.seconds, 'seconds', quick ? 3 : 10);
const warmup = whole(values.warmup, 'warmup', quick ? 1 : 3, 0);
const connections = whole(values.connections, 'connections', 10);
const followers = whole(values.followers, 'followers', 10_000);
const activities = whole(values.activities, 'activities', quick ? 300 : 1000);
const senderCount = Math.min(whole(values.senders, 'senders', 10), 10);
const concurrentSeconds = whole(values.concurrent, 'concurrent', quick ? 15 : 60, 0);
const skip = new Set((values.skip ?? '').split(',').filter(Boolean));
const serverAvailable = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;
const mode = values.mode ?? (serverAvailable ? 'both' : 'embedded');
if (!['embedded', 'server', 'both'].includes(mode)) throw new Error('--mode is embedded, server or both');
if (mode !== 'embedded' && !serverAvailable) throw new Error('server mode needs DATABASE_URL (an empty database) and REDIS_URL');

const run = promisify(execFile);
const BARE = new URL('./lib/bare-server.ts', import.meta.url).pathname;
const SENDERS = new URL('./lib/remote-senders.ts', import.meta.url).pathname;
const LOCAL_DOMAIN = 'bench.test';
const SENDER_ADDRESSES = Array.from({ length: senderCount }, (_, i) => `127.0.0.${60 + i}`);
const dataDirs: string[] = [];
killChildrenOnSignal(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// figures and their ratios

interface Figure {
  what: string;
  value: string;
  target: string;
  met: boolean | undefined;
  ratio: string;
}
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MB`;
const msText = (value: number) => `${fmt(value, value < 10 ? 1 : 0)} ms`;

interface Rate {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  firstError?: string;
}
function rateOf(result: Measurement): Rate {
  const sorted = Array.from(Float64Array.from(result.latencies).sort());
  return {
    rps: result.requests / result.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    failed: result.non2xx + result.errors,
    firstError: result.firstError,
  };
}

/** CPU time in milliseconds of the processes that answer (for the CPU per request, which a busy machine affects far less than the rate). */
type CpuProbe = () => Promise<number>;

async function timedLoad(send: () => Promise<Response>, cpu?: CpuProbe): Promise<Rate & { cpuPerRequest?: number }> {
  if (warmup > 0) await measure(send, connections, warmup, false);
  const before = await cpu?.();
  const result = await measure(send, connections, seconds, true);
  const after = await cpu?.();
  return { ...rateOf(result), ...(before !== undefined && after !== undefined ? { cpuPerRequest: (after - before) / result.requests } : {}) };
}

const TICK_MS = 1000 / 100;
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU milliseconds of the PostgreSQL backends connected to the bench's database (the machine's PostgreSQL serves others too). */
async function databaseCpu(): Promise<number> {
  const { stdout } = await run('psql', [process.env.DATABASE_URL!, '-Atc', 'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .reduce((sum, pid) => sum + ticksOf(Number(pid)) * TICK_MS, 0);
}

/** CPU seconds (user + system) of a command, from bash's `times` (its children's line). */
async function cpuSeconds(command: string[], env: Record<string, string | undefined>): Promise<number> {
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const { stdout } = await run('bash', ['-c', `${quoted} >/dev/null 2>&1; times`], { env: env as NodeJS.ProcessEnv, timeout: 120_000 });
  const children = stdout.trim().split('\n')[1] ?? '';
  const [user, system] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]));
  return (user ?? NaN) + (system ?? NaN);
}

// ---------------------------------------------------------------------------------------------
// one mode

interface Bare {
  get: Rate;
  post: Rate;
  rss: number;
  cpu: number;
}

async function measureBare(): Promise<Bare> {
  const port = ownPort();
  const bare = new ServerProcess('bare node:http', [], { ...process.env }, port, { script: BARE });
  await bare.waitUntilServing('/');
  const url = bare.url!;
  const get = await timedLoad(() => fetch(`${url}/api/v1/timelines/home`, { headers: { authorization: 'Bearer x' } }));
  const post = await timedLoad(() =>
    fetch(`${url}/api/v1/statuses`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: JSON.stringify({ status: 'hello', visibility: 'public' }) }),
  );
  await bare.settle();
  const rss = bare.vmRss();
  await stopAll([bare]);
  const cpu = await cpuSeconds([NODE, '-e', '0'], process.env);
  return { get, post, rss, cpu };
}

async function runMode(serverMode: boolean, bare: Bare): Promise<Figure[]> {
  const label = serverMode ? 'server' : 'embedded';
  const figures: Figure[] = [];
  const add = (what: string, value: string, target: string, met: boolean | undefined, ratio: string) => {
    figures.push({ what, value, target, met, ratio });
    console.log(`  ${what}: ${value}${ratio ? ` (${ratio})` : ''}`);
  };
  const tokenPrefix = `tb-${randomBytes(9).toString('base64url')}-`;
  const tokenOf = (username: string) => `${tokenPrefix}${username}`;
  const dataDir = mkdtempSync(join(tmpdir(), `subspace-bench-targets-${label}-`));
  dataDirs.push(dataDir);
  const env: Record<string, string | undefined> = {
    LOG_LEVEL: 'warn',
    ...process.env,
    LOCAL_DOMAIN,
    LOCAL_HTTPS: 'false',
    BIND: '127.0.0.1',
    ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8',
    SUBSPACE_DATA_DIR: dataDir,
    SECRET_KEY_BASE: process.env.SECRET_KEY_BASE ?? randomBytes(64).toString('hex'),
  };
  if (!serverMode) {
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
  }
  const senders = new ServerProcess('remote senders', SENDER_ADDRESSES, env, undefined, { script: SENDERS });
  await once(senders.child, 'message');
  const { actors } = (await senders.ask({ type: 'actors' })) as unknown as { actors: RemoteActor[] };

  console.log(`\n== ${label} mode: seeding ${followers + VIEWERS + 201} accounts, 1,400 statuses, ${actors.length} remote senders`);
  const started = performance.now();
  await seedTargets(loadConfig({ ...env, PORT: '3000' }), { followers, tokenPrefix, remotes: actors });
  console.log(`seeded in ${fmt((performance.now() - started) / 1000)} s`);

  const servers: ServerProcess[] = [];
  const startServers = async () => {
    servers.length = 0;
    if (serverMode) {
      servers.push(new ServerProcess('web', ['web'], env, ownPort()), new ServerProcess('worker', ['worker'], env), new ServerProcess('streaming', ['streaming'], env, ownPort()));
    } else {
      servers.push(new ServerProcess('subspace start', ['start'], env, ownPort()));
    }
    await servers[0]!.waitUntilServing('/health');
    if (serverMode) await servers[2]!.waitUntilServing('/api/v1/streaming/health');
  };
  await startServers();
  let web = servers[0]!;
  const url = () => servers[0]!.url!;
  try {
    for (const server of servers) await server.settle();
    for (const server of servers) {
      const rss = server.vmRss();
      add(`idle RSS, ${server.name}`, mb(rss), serverMode ? '≤ 120 MB' : '≤ 150 MB', rss <= (serverMode ? 120 : 150) * 2 ** 20, `${fmt(rss / bare.rss)}× bare`);
    }

    if (!skip.has('cli')) {
      const help = await cpuSeconds([NODE, CLI, '--help'], env);
      add('`subspace --help` CPU', `${fmt(help, 2)} s`, '< 0.5 s', help < 0.5, `${fmt(help / bare.cpu)}× bare node`);
      const create = await cpuSeconds([NODE, CLI, 'accounts', 'create', 'clibench', '--email', 'clibench@bench.test', '--confirmed'], env);
      add('`subspace accounts create` CPU', `${fmt(create, 2)} s`, '< 1 s', create < 1, `${fmt(create / bare.cpu)}× bare node`);
    }

    let turn = 0;
    const viewerToken = () => tokenOf(`tv${1 + (turn++ % VIEWERS)}`);
    const get = (path: string) => () => fetch(`${url()}${path}`, { headers: { authorization: `Bearer ${viewerToken()}` } });
    let posted = 0;
    const post = () =>
      fetch(`${url()}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${viewerToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: `Benchmark post ${++posted} #bench`, visibility: 'public' }),
      });
    // the web process's CPU, and in server mode its PostgreSQL backends' (Redis, shared with others, is not counted)
    const webCpu = async () => servers[0]!.cpuTicks() * TICK_MS;
    const splitCpu = serverMode ? { web: webCpu, database: databaseCpu } : undefined;
    const rateFigures = (what: string, rate: Rate & { cpuPerRequest?: number; split?: string }, bareRate: Rate, target: number, p99Target?: number) => {
      const failed = rate.failed ? ` (${rate.failed} failed: ${rate.firstError})` : '';
      add(`${what} req/s`, `${fmt(rate.rps)}${failed}`, `≥ ${target}`, rate.rps >= target && !rate.failed, `${fmt(rate.rps / bareRate.rps, 3)} of bare`);
      add(
        `${what} p50 / p99`,
        `${msText(rate.p50)} / ${msText(rate.p99)}`,
        p99Target ? `p99 < ${p99Target} ms` : '',
        p99Target ? rate.p99 < p99Target : undefined,
        `${fmt(rate.p99 / bareRate.p99)}× bare p99`,
      );
      if (rate.cpuPerRequest !== undefined) add(`${what} CPU per request`, `${msText(rate.cpuPerRequest)}${rate.split ?? ''}`, '', undefined, '');
    };
    /** a timed load with the CPU per request, split between the web process and PostgreSQL in server mode */
    const cpuLoad = async (send: () => Promise<Response>) => {
      if (!splitCpu) return timedLoad(send, webCpu);
      let web = 0;
      let database = 0;
      const rate = await timedLoad(send, async () => {
        const [w, d] = [await splitCpu.web(), await splitCpu.database()];
        web = w - web;
        database = d - database;
        return w + d;
      });
      const requests = rate.rps * seconds;
      return { ...rate, split: ` (web ${msText(web / requests)}, PostgreSQL ${msText(database / requests)})` };
    };
    if (!skip.has('timelines')) {
      rateFigures('GET /api/v1/timelines/home', await cpuLoad(get('/api/v1/timelines/home')), bare.get, 1000, 50);
      rateFigures('GET /api/v1/timelines/public', await cpuLoad(get('/api/v1/timelines/public')), bare.get, 1000);
    }
    if (!skip.has('post')) {
      rateFigures('POST /api/v1/statuses', await cpuLoad(post), bare.post, 500);
      // the posts' jobs (fan-out to 200 homes each) are done before the next measurement
      for (const server of servers) await server.settle();
    }

    if (!skip.has('fanout')) {
      const times: number[] = [];
      for (let round = 0; round < (quick ? 2 : 3); round++) times.push(await fanOut(url(), tokenOf, round));
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      add(
        `one post into ${followers.toLocaleString('en')} home feeds`,
        `${fmt(median / 1000, 2)} s (${times.map((t) => fmt(t / 1000, 2)).join(', ')})`,
        '< 1 s',
        median < 1000,
        `${fmt(median / bare.get.p50, 0)}× a bare request`,
      );
      for (const server of servers) await server.settle();
    }

    if (!skip.has('inbound')) {
      const inbound = await inboundCreates(serverMode, servers, startServers, senders, actors, env, url, tokenOf('tv1'));
      web = servers[0]!;
      add('inbound Creates accepted (202) by the web tier', `${fmt(inbound.accepted)}/s`, '', undefined, `${fmt(inbound.accepted / bare.post.rps, 3)} of bare`);
      add('inbound Creates processed, one worker process', `${fmt(inbound.processed)}/s`, '≥ 500/s', inbound.processed >= 500, `${fmt(inbound.processed / bare.post.rps, 3)} of bare`);
      add('… CPU per processed Create', inbound.cpu, '', undefined, '');
    }

    if (!skip.has('concurrent') && concurrentSeconds > 0 && !serverMode) {
      const result = await concurrentClients(web, viewerToken, () => ++posted);
      add(`50 concurrent clients ${concurrentSeconds} s: max latency`, msText(result.max), '< 1 s', result.max < 1000, `${fmt(result.max / bare.get.p99)}× bare p99`);
      add('… requests / time-outs (30 s)', `${result.requests} / ${result.timeouts}`, '0 time-outs', result.timeouts === 0, '');
      add('… event-loop delay p99 / max', `${msText(result.loopP99)} / ${msText(result.loopMax)}`, 'p99 < 50 ms', result.loopP99 < 50, '');
    }
  } catch (error) {
    for (const server of servers) console.error(`--- ${server.name} output ---\n${server.output().slice(-3000)}`);
    throw error;
  } finally {
    await stopAll([...servers, senders]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

/**
 * Posts as tb0 and waits until the home timelines of 10 followers, spread over all (the first and
 * the last among them), show the post: few, so that the polling does not slow the fan-out down.
 */
async function fanOut(url: string, tokenOf: (username: string) => string, round: number): Promise<number> {
  const sample = Array.from({ length: 10 }, (_, i) => `tbf${1 + Math.floor((i * (followers - 1)) / 9)}`);
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenOf('tb0')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: `To all my followers, round ${round}`, visibility: 'public' }),
  });
  const status = (await response.json()) as { id?: string };
  if (!status.id) throw new Error(`the fan-out post failed: HTTP ${response.status}`);
  let waiting = sample;
  while (waiting.length > 0) {
    // one at a time: the polling must not load the server it measures
    const newest: (string | undefined)[] = [];
    for (const username of waiting) {
      const home = await fetch(`${url}/api/v1/timelines/home?limit=1`, { headers: { authorization: `Bearer ${tokenOf(username)}` } });
      newest.push(((await home.json()) as { id: string }[])[0]?.id);
    }
    waiting = waiting.filter((_, i) => newest[i] !== status.id);
    if (performance.now() - started > 300_000) throw new Error(`fan-out unfinished after 5 minutes: ${waiting.length} of 10 sampled feeds`);
    if (waiting.length > 0) await sleep(100);
  }
  return performance.now() - started;
}

/**
 * The Creates are POSTed to a web process alone (server: `subspace web` with the worker stopped;
 * embedded: `subspace web` on the data dir), then one process works the backlog off (server:
 * `subspace worker`; embedded: `subspace start`, as PGlite admits one process) while the bench
 * counts the senders' statuses through the API; the rate is taken from the first stored status on.
 */
async function inboundCreates(
  serverMode: boolean,
  servers: ServerProcess[],
  startServers: () => Promise<void>,
  senders: ServerProcess,
  actors: RemoteActor[],
  env: Record<string, string | undefined>,
  url: () => string,
  token: string,
): Promise<{ accepted: number; processed: number; cpu: string }> {
  const headers = { authorization: `Bearer ${token}` };
  // warm-up: one Create per sender, stored, so each key is fetched and cached
  await senders.ask({ type: 'send', url: url(), count: senderCount, first: 1_000_000, connections: 1, spec: 'draft-cavage' });
  const ids: string[] = [];
  for (const actor of actors) {
    const found = (await (await fetch(`${url()}/api/v1/accounts/lookup?acct=bob@${actor.host}`, { headers })).json()) as { id: string };
    ids.push(found.id);
  }
  const stored = async () => {
    let sum = 0;
    for (const id of ids) sum += ((await (await fetch(`${url()}/api/v1/accounts/${id}`, { headers })).json()) as { statuses_count: number }).statuses_count;
    return sum;
  };
  const deadline = performance.now() + 60_000;
  while ((await stored()) < senderCount && performance.now() < deadline) await sleep(100);

  // the web process alone takes the POSTs
  let web: ServerProcess;
  if (serverMode) {
    await stopAll([servers[1]!]);
    web = servers[0]!;
  } else {
    await stopAll(servers);
    web = new ServerProcess('subspace web', ['web'], env, ownPort());
    await web.waitUntilServing('/health');
  }
  const sent = (await senders.ask({ type: 'send', url: web.url!, count: activities, first: 0, connections, spec: 'draft-cavage' })) as unknown as { seconds: number; statuses: Record<string, number> };
  const accepted = sent.statuses['202'] ?? 0;
  if (accepted < activities) console.log(`inbound: only ${accepted} of ${activities} accepted: ${JSON.stringify(sent.statuses)}`);

  // one process works the backlog off
  let baseline = NaN;
  if (serverMode) {
    baseline = await stored();
    servers[1] = new ServerProcess('worker', ['worker'], env);
  } else {
    await stopAll([web]);
    await startServers();
  }
  if (Number.isNaN(baseline)) baseline = senderCount;
  // the processing process's CPU (embedded: with PGlite's thread), and in server mode its PostgreSQL backends'
  const worker = serverMode ? servers[1]! : servers[0]!;
  const cpuNow = async () => ({ worker: worker.cpuTicks() * TICK_MS, database: serverMode ? await databaseCpu() : 0 });
  let cpuAtFirst = { worker: 0, database: 0 };
  let firstAt = NaN;
  let firstCount = baseline;
  let count = baseline;
  const limit = performance.now() + 600_000;
  while (count < baseline + accepted) {
    // ten light requests a round, twice a second: more would compete with the work measured
    await sleep(500);
    count = await stored();
    if (Number.isNaN(firstAt) && count > baseline) {
      firstAt = performance.now();
      firstCount = count;
      cpuAtFirst = await cpuNow();
    }
    if (performance.now() > limit) throw new Error(`inbound: ${count - baseline} of ${accepted} stored after 10 minutes`);
  }
  const processed = (count - firstCount) / ((performance.now() - firstAt) / 1000);
  const cpuAtEnd = await cpuNow();
  const per = (ms: number) => msText(ms / (count - firstCount));
  const workerCpu = cpuAtEnd.worker - cpuAtFirst.worker;
  const databaseCpuUsed = cpuAtEnd.database - cpuAtFirst.database;
  const cpu = serverMode ? `${per(workerCpu + databaseCpuUsed)} (worker ${per(workerCpu)}, PostgreSQL ${per(databaseCpuUsed)})` : per(workerCpu);
  return { accepted: accepted / sent.seconds, processed, cpu };
}

/** 50 loops of a member's mix (home, public, notifications, a post now and then) for --concurrent seconds. */
async function concurrentClients(web: ServerProcess, token: () => string, nextPost: () => number) {
  const url = web.url!;
  await web.loopDelay();
  const deadline = performance.now() + concurrentSeconds * 1000;
  let requests = 0;
  let timeouts = 0;
  let max = 0;
  const loop = async (client: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const kind = (i + client) % 10;
      const headers = { authorization: `Bearer ${token()}` };
      const begin = performance.now();
      try {
        const response =
          kind === 0
            ? await fetch(`${url}/api/v1/statuses`, {
                method: 'POST',
                headers: { ...headers, 'content-type': 'application/json' },
                body: JSON.stringify({ status: `Concurrent post ${nextPost()}`, visibility: 'public' }),
                signal: AbortSignal.timeout(30_000),
              })
            : await fetch(`${url}${kind < 7 ? '/api/v1/timelines/home' : kind < 9 ? '/api/v1/timelines/public' : '/api/v1/notifications'}`, { headers, signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        requests += 1;
      } catch {
        timeouts += 1;
      }
      max = Math.max(max, performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: 50 }, (_, client) => loop(client)));
  const loopDelay = await web.loopDelay();
  return { requests, timeouts, max, loopP99: loopDelay.p99, loopMax: loopDelay.max };
}

// ---------------------------------------------------------------------------------------------

const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: new URL('..', import.meta.url).pathname }).catch(() => ({ stdout: '?' }))).stdout.trim();
const load = (await import('node:os'))
  .loadavg()
  .map((n) => n.toFixed(1))
  .join(' ');
console.log(`targets bench, ${new Date().toISOString()}, commit ${commit}, load average ${load}; ${connections} connections, ${warmup} s warm-up, ${seconds} s per endpoint`);
const bare = await measureBare();
console.log(
  `bare node:http: GET ${fmt(bare.get.rps, 0)} req/s (p50 ${msText(bare.get.p50)}, p99 ${msText(bare.get.p99)}), POST ${fmt(bare.post.rps, 0)} req/s, idle RSS ${mb(bare.rss)}, \`node -e 0\` ${fmt(bare.cpu, 2)} s CPU`,
);
const modes = mode === 'both' ? [false, true] : [mode === 'server'];
const results = new Map<string, Figure[]>();
for (const serverMode of modes) results.set(serverMode ? 'server' : 'embedded', await runMode(serverMode, bare));
for (const [name, figures] of results) {
  console.log(`\n${name} mode (commit ${commit}, ${new Date().toISOString().slice(0, 10)})`);
  printTable([['', 'measured', 'target', 'met', 'ratio'], ...figures.map((f) => [f.what, f.value, f.target, f.met === undefined ? '' : f.met ? 'yes' : 'no', f.ratio])]);
}
