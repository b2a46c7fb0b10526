/**
 * The streaming API under many WebSocket connections: how many one streaming process holds, the
 * memory each costs, and the time from a post to its delivery at every subscribed client.
 *
 * The server under test runs as a child process, so that its memory is its own:
 *  - embedded (default): `subspace start` on a fresh data dir (seeded before it starts, since
 *    PGlite admits one process at a time);
 *  - server mode, with DATABASE_URL and REDIS_URL set (an empty database; the bench migrates it
 *    and leaves its data there): `subspace web`, `subspace worker` and `subspace streaming`, and
 *    only the streaming process is measured.
 * The children are started with bench/lib/process-probe.ts preloaded, which answers the bench's
 * questions (garbage-collected heap, event-loop delay) over an IPC channel; RSS is read from
 * /proc/<pid>/status.
 *
 * The bench is the client: N WebSocket clients (the `ws` package), each with a token of its own
 * account (seeded with SQL) unless --accounts is smaller. The first --latency-clients subscribe to
 * --stream (`public:local`, or `user`: then their accounts follow the poster, and every `update`
 * is rendered per recipient); the others subscribe to --idle-stream (`user`: their own home, which
 * nobody posts to). Latency is measured once with only the subscribed clients connected and again
 * with all N: --posts statuses are posted every --interval ms, and each client's arrival time of
 * each one's `update` is compared with the start of its POST.
 *
 *   node bench/streaming.ts [--clients 10000] [--latency-clients 1000] [--posts 20] [--stream public:local|user]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { WebSocket } from 'ws';
import { baseUrl, loadConfig } from '../src/config/index.ts';
import { openDatabase, queryRows } from '../src/db/index.ts';
import { ms, percentile, printTable } from './lib/load.ts';
import { ownPort, killChildrenOnSignal, ServerProcess, stopAll, type LoopDelay, type MemoryUsage } from './lib/server-process.ts';

const USAGE = `Usage: node bench/streaming.ts [--clients N] [--latency-clients N] [--posts N] [--stream public:local|user]
  --clients             WebSocket connections held at once (default 10000)
  --latency-clients     of those, the ones subscribed to --stream whose deliveries are timed (default 1000)
  --posts               statuses posted per latency round (default 20)
  --stream              what the timed clients subscribe to: public:local (rendered once) or user
                        (home timelines of followers of the poster, rendered per recipient) (default public:local)
  --idle-stream         what the other clients subscribe to (default user: their own, quiet, home)
  --accounts            accounts (and tokens) the clients use, round-robin (default: one per client)
  --interval            ms between posts (default 1000)
  --connect-concurrency handshakes in flight at once (default 100)
  --wait                seconds to wait for missing deliveries after the last post (default 30)

BENCH_NODE_FLAGS in the environment adds node flags to the server processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").

Embedded by default (a \`subspace start\` child on a throwaway data dir). With DATABASE_URL and
REDIS_URL set (an empty database): \`subspace web\`, \`worker\` and \`streaming\` children, the
streaming one measured. Exits 1 if a delivery was lost or a client failed to connect or was dropped.`;

const STREAMS = ['public:local', 'public', 'user'];

function whole(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`--${name} takes a whole number of at least ${min}`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string' },
    'latency-clients': { type: 'string' },
    posts: { type: 'string' },
    stream: { type: 'string' },
    'idle-stream': { type: 'string' },
    accounts: { type: 'string' },
    interval: { type: 'string' },
    'connect-concurrency': { type: 'string' },
    wait: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const clientCount = whole(values.clients, 'clients', 10_000);
const latencyCount = Math.min(whole(values['latency-clients'], 'latency-clients', 1000), clientCount);
const postCount = whole(values.posts, 'posts', 20);
const stream = values.stream ?? 'public:local';
const idleStream = values['idle-stream'] ?? 'user';
for (const [flag, value] of [
  ['stream', stream],
  ['idle-stream', idleStream],
] as const) {
  if (!STREAMS.includes(value)) throw new Error(`--${flag} is one of ${STREAMS.join(', ')}`);
}
const accountCount = Math.min(whole(values.accounts, 'accounts', clientCount), clientCount);
const intervalMs = whole(values.interval, 'interval', 1000, 0);
const connectConcurrency = whole(values['connect-concurrency'], 'connect-concurrency', 100);
const waitSeconds = whole(values.wait, 'wait', 30, 0);

const serverMode = !!(process.env.DATABASE_URL || process.env.DB_HOST);
if (serverMode && !process.env.REDIS_URL && !process.env.REDIS_HOST) {
  throw new Error('server mode needs REDIS_URL as well as DATABASE_URL: the streaming process hears the others through Redis');
}

// ---------------------------------------------------------------------------------------------
// the server's processes

// ---------------------------------------------------------------------------------------------
// seeding, before any server process starts

const dataDir = serverMode ? undefined : mkdtempSync(join(tmpdir(), 'subspace-bench-streaming-'));
const env: Record<string, string | undefined> = {
  LOCAL_DOMAIN: 'bench.test',
  LOCAL_HTTPS: 'false',
  LOG_LEVEL: 'warn',
  ...process.env,
  BIND: '127.0.0.1',
  ...(dataDir ? { SUBSPACE_DATA_DIR: dataDir } : {}),
  ...(serverMode && !process.env.SECRET_KEY_BASE ? { SECRET_KEY_BASE: randomBytes(64).toString('hex') } : {}),
};
const config = loadConfig({ ...env, PORT: '3000' });
killChildrenOnSignal(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});
const tokenPrefix = `sb-${randomBytes(12).toString('base64url')}-`;
/** account i (0 is the poster) has the token `${tokenPrefix}${i}` */
const tokenOf = (account: number) => `${tokenPrefix}${account}`;
/** client c (0-based) uses account 1 + c mod accounts; the first latency clients have accounts of their own */
const accountOfClient = (client: number) => 1 + (client % accountCount);
const followerCount = stream === 'user' ? Math.min(latencyCount, accountCount) : 0;

const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

async function seed(): Promise<void> {
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const [existing] = await queryRows<{ count: string | number }>(database.db, sql`SELECT count(*) AS count FROM accounts`);
    if (Number(existing?.count ?? 0) > 0) throw new Error('the database already has accounts: give the bench an empty one');
    const db = database.db;
    const base = baseUrl(config);
    await timed(`seeding ${accountCount + 1} accounts with a token each${followerCount ? `, ${followerCount} following the poster` : ''}`, async () => {
      await db.execute(sql`
        INSERT INTO accounts (username, uri, url)
        SELECT 'sb' || g, ${base} || '/users/sb' || g, ${base} || '/@sb' || g FROM generate_series(0, ${accountCount}) g`);
      await db.execute(sql`
        INSERT INTO users (account_id, email, confirmed_at, current_sign_in_at)
        SELECT id, username || '@bench.test', now(), now() FROM accounts WHERE username LIKE 'sb%'`);
      // tokens are stored as SHA-256 digests (src/lib/crypto.ts digest)
      await db.execute(sql`
        INSERT INTO oauth_access_tokens (token_digest, user_id, scopes)
        SELECT encode(sha256(convert_to(${tokenPrefix} || substr(a.username, 3), 'UTF8')), 'hex'), u.id, 'read write follow'
        FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.username LIKE 'sb%'`);
      if (followerCount > 0) {
        await db.execute(sql`
          INSERT INTO follows (account_id, target_account_id)
          SELECT a.id, (SELECT id FROM accounts WHERE username = 'sb0') FROM accounts a
          WHERE a.username IN (SELECT 'sb' || g FROM generate_series(1, ${followerCount}) g)`);
        await db.execute(sql`UPDATE accounts SET followers_count = ${followerCount} WHERE username = 'sb0'`);
        await db.execute(sql`
          UPDATE accounts SET following_count = 1 WHERE username IN (SELECT 'sb' || g FROM generate_series(1, ${followerCount}) g)`);
      }
    });
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------
// clients

interface Client {
  index: number;
  socket: WebSocket;
  timed: boolean;
  /** arrival time and raw frame of every message (timed clients only) */
  messages: [number, Buffer][];
  received: number;
  /** an `{"error": …}` message from the server (a failed subscription) */
  error?: string;
}

interface ConnectResult {
  clients: Client[];
  failures: number;
  firstFailure?: string;
  seconds: number;
  handshakes: number[];
  loop: LoopDelay;
}

let closingClients = false;
let dropped = 0;
let firstDrop: string | undefined;
let timedReceived = 0;

function openClient(streamUrl: string, index: number, streamName: string, timedClient: boolean): Promise<Client> {
  const url = new URL('/api/v1/streaming', streamUrl.replace(/^http/, 'ws'));
  url.searchParams.set('stream', streamName);
  url.searchParams.set('access_token', tokenOf(accountOfClient(index)));
  const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 60_000 });
  const client: Client = { index, socket, timed: timedClient, messages: [], received: 0 };
  socket.on('message', (data: Buffer) => {
    client.received += 1;
    if (timedClient) {
      client.messages.push([performance.now(), data]);
      timedReceived += 1;
    } else if (data.length < 500 && data.includes('"error"')) {
      client.error ??= data.toString();
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.once('close', (code, reason) => {
        if (closingClients) return;
        dropped += 1;
        firstDrop ??= `client ${index} closed by the server: ${code} ${reason.toString()}`;
      });
      resolve(client);
    });
    socket.once('error', (error) => reject(error));
  });
}

async function connectMany(server: ServerProcess, streamUrl: string, indices: number[], streamName: string, timedClients: boolean): Promise<ConnectResult> {
  await server.loopDelay();
  const result: Omit<ConnectResult, 'loop'> = { clients: [], failures: 0, seconds: 0, handshakes: [] };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < indices.length) {
      const index = indices[next++]!;
      const begin = performance.now();
      try {
        result.clients.push(await openClient(streamUrl, index, streamName, timedClients));
        result.handshakes.push(performance.now() - begin);
      } catch (error) {
        result.failures += 1;
        result.firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(connectConcurrency, indices.length) }, worker));
  result.seconds = (performance.now() - started) / 1000;
  const loop = await server.loopDelay();
  return { ...result, loop };
}

// ---------------------------------------------------------------------------------------------
// posting and timing deliveries

async function post(webUrl: string, text: string): Promise<{ ok: boolean; status: number; ms: number }> {
  const begin = performance.now();
  try {
    const response = await fetch(new URL('/api/v1/statuses', webUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenOf(0)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: text, visibility: 'public' }),
    });
    await response.arrayBuffer();
    return { ok: response.ok, status: response.status, ms: performance.now() - begin };
  } catch {
    return { ok: false, status: 0, ms: performance.now() - begin };
  }
}

/** Posts warm-up statuses until every timed client has received one (proof it listens); returns how many did. */
async function warmUp(webUrl: string, timedClients: Client[]): Promise<number> {
  const heard = new Set<Client>();
  for (let attempt = 1; attempt <= 8 && heard.size < timedClients.length; attempt += 1) {
    await post(webUrl, `Warming up, streambench-warm-${attempt}`);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && heard.size < timedClients.length) {
      await sleep(100);
      for (const client of timedClients) {
        if (!heard.has(client) && client.messages.some(([, data]) => data.includes('streambench-warm'))) heard.add(client);
      }
    }
  }
  // let stragglers of the last warm-up arrive before the timed round starts
  await sleep(1000);
  for (const client of timedClients) client.messages.length = 0;
  return heard.size;
}

interface RoundResult {
  label: string;
  connected: number;
  deliveries: number;
  expected: number;
  duplicates: number;
  errors: number;
  latencies: number[];
  /** per post: the earliest delivery, and the time from it to the last one */
  firsts: number[];
  spreads: number[];
  postTimes: number[];
  postFailures: number;
  loop: LoopDelay;
}

let roundNumber = 0;

async function latencyRound(label: string, server: ServerProcess, webUrl: string, timedClients: Client[], connected: number): Promise<RoundResult> {
  const round = ++roundNumber;
  for (const client of timedClients) client.messages.length = 0;
  timedReceived = 0;
  await server.loopDelay();
  const starts: number[] = [];
  const firstStart = performance.now();
  const posts: Promise<{ ok: boolean; ms: number }>[] = [];
  for (let k = 0; k < postCount; k += 1) {
    const at = firstStart + k * intervalMs;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
    starts[k] = performance.now();
    posts.push(post(webUrl, `Streaming benchmark round ${round} post ${k}: streambench-r${round}-p${k} end`));
  }
  const answered = await Promise.all(posts);
  const expected = timedClients.length * postCount;
  const deadline = performance.now() + waitSeconds * 1000;
  while (timedReceived < expected && performance.now() < deadline) await sleep(50);
  const loop = await server.loopDelay();

  const marker = new RegExp(`streambench-r${round}-p(\\d+) `);
  const latencies: number[] = [];
  const perPost = Array.from({ length: postCount }, () => ({ first: Infinity, last: -Infinity }));
  let duplicates = 0;
  let errors = 0;
  for (const client of timedClients) {
    const seen = new Set<number>();
    for (const [at, data] of client.messages) {
      const message = JSON.parse(data.toString()) as { event?: string; payload?: string; error?: string };
      if (message.error) {
        errors += 1;
        continue;
      }
      if (message.event !== 'update' || typeof message.payload !== 'string') continue;
      const found = marker.exec(message.payload);
      if (!found) continue;
      const k = Number(found[1]);
      if (seen.has(k)) {
        duplicates += 1;
        continue;
      }
      seen.add(k);
      const latency = at - starts[k]!;
      latencies.push(latency);
      perPost[k]!.first = Math.min(perPost[k]!.first, latency);
      perPost[k]!.last = Math.max(perPost[k]!.last, latency);
    }
    client.messages.length = 0;
  }
  return {
    label,
    connected,
    deliveries: latencies.length,
    expected,
    duplicates,
    errors,
    latencies: Array.from(Float64Array.from(latencies).sort()),
    firsts: Array.from(Float64Array.from(perPost.filter((p) => p.last >= 0).map((p) => p.first)).sort()),
    spreads: Array.from(Float64Array.from(perPost.filter((p) => p.last >= 0).map((p) => p.last - p.first)).sort()),
    postTimes: Array.from(Float64Array.from(answered.map((a) => a.ms)).sort()),
    postFailures: answered.filter((a) => !a.ok).length,
    loop,
  };
}

// ---------------------------------------------------------------------------------------------
// the run

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : '-');

interface MemoryRow {
  state: string;
  connections: number;
  memory: MemoryUsage;
}

let exitCode = 0;
const servers: ServerProcess[] = [];
try {
  console.log(
    `Streaming bench, ${serverMode ? 'server mode (web, worker and streaming processes; the streaming one measured)' : 'embedded (one `subspace start` process)'}: ` +
      `${clientCount} WebSocket clients on ${accountCount} account${accountCount === 1 ? '' : 's'} ` +
      `(${accountCount === clientCount ? 'one token per client' : `tokens shared round-robin, up to ${Math.ceil(clientCount / accountCount)} connections per token`}), ` +
      `${latencyCount} of them on ${stream}, the others on ${idleStream}; ${postCount} posts per round, every ${intervalMs} ms\n`,
  );
  await seed();

  let measured: ServerProcess;
  let webUrl: string;
  if (serverMode) {
    const web = new ServerProcess('web', ['web'], env, ownPort());
    const worker = new ServerProcess('worker', ['worker'], env);
    measured = new ServerProcess('streaming', ['streaming'], env, ownPort());
    servers.push(web, worker, measured);
    await Promise.all([web.waitUntilServing('/health'), measured.waitUntilServing('/api/v1/streaming/health')]);
    webUrl = web.url!;
  } else {
    measured = new ServerProcess('subspace start', ['start'], env, ownPort());
    servers.push(measured);
    await measured.waitUntilServing('/health');
    webUrl = measured.url!;
  }
  const streamUrl = measured.url!;
  console.log(`measuring ${measured.name} (pid ${measured.pid}) at ${streamUrl}\n`);

  const memoryRows: MemoryRow[] = [];
  const snapshot = async (state: string, connections: number) => {
    await measured.settle();
    memoryRows.push({ state, connections, memory: await measured.memory() });
  };
  await snapshot('started, no clients', 0);

  const clientRssBefore = process.memoryUsage().rss;
  const all = Array.from({ length: clientCount }, (_, i) => i);
  const connectRows: string[][] = [['clients', 'stream', 'connected', 'failed', 'seconds', 'conn/s', 'handshake p50', 'p99', 'server loop p99', 'max']];
  const connectRow = (what: string, name: string, result: ConnectResult) => {
    const sorted = Array.from(Float64Array.from(result.handshakes).sort());
    connectRows.push([
      what,
      name,
      String(result.clients.length),
      String(result.failures),
      result.seconds.toFixed(1),
      (result.clients.length / result.seconds).toFixed(0),
      ms(percentile(sorted, 50)),
      ms(percentile(sorted, 99)),
      ms(result.loop.p99),
      ms(result.loop.max),
    ]);
    if (result.failures > 0) {
      exitCode = 1;
      console.log(`  ${result.failures} connections failed; the first: ${result.firstFailure}`);
    }
  };

  const subscribed = await timed(`connecting ${latencyCount} clients to ${stream}`, () => connectMany(measured, streamUrl, all.slice(0, latencyCount), stream, true));
  connectRow('timed', stream, subscribed);
  await snapshot(`+${subscribed.clients.length} on ${stream}`, subscribed.clients.length);

  const listening = await timed('warm-up posts until every timed client hears them', () => warmUp(webUrl, subscribed.clients));
  if (listening < subscribed.clients.length) console.log(`  only ${listening} of ${subscribed.clients.length} timed clients heard a warm-up post`);

  const rounds: RoundResult[] = [];
  if (clientCount > latencyCount) {
    rounds.push(
      await timed(`round with ${subscribed.clients.length} connected`, () => latencyRound('only the timed clients connected', measured, webUrl, subscribed.clients, subscribed.clients.length)),
    );
    await snapshot('after that round', subscribed.clients.length);
  }
  let idle: ConnectResult | undefined;
  if (clientCount > latencyCount) {
    idle = await timed(`connecting ${clientCount - latencyCount} more clients to ${idleStream}`, () => connectMany(measured, streamUrl, all.slice(latencyCount), idleStream, false));
    connectRow('others', idleStream, idle);
  }
  const connected = subscribed.clients.length + (idle?.clients.length ?? 0);
  if (idle) await snapshot(`+${idle.clients.length} on ${idleStream}`, connected);
  const clientRss = process.memoryUsage().rss;
  rounds.push(await timed(`round with ${connected} connected`, () => latencyRound(`all ${connected} connected`, measured, webUrl, subscribed.clients, connected)));

  const idleErrors = (idle?.clients ?? []).filter((client) => client.error);
  const idleMessages = (idle?.clients ?? []).reduce((sum, client) => sum + client.received, 0);

  closingClients = true;
  const everyone = [...subscribed.clients, ...(idle?.clients ?? [])];
  await timed(`closing ${everyone.length} clients`, async () => {
    await Promise.all(
      everyone.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.socket.readyState === WebSocket.CLOSED) return resolve();
            client.socket.once('close', () => resolve());
            client.socket.close();
            setTimeout(() => {
              client.socket.terminate();
              resolve();
            }, 10_000).unref();
          }),
      ),
    );
  });
  await snapshot('all clients closed', 0);

  // ---- report
  console.log(`\nConnections (WebSocket handshakes at most ${connectConcurrency} at a time; server loop = event-loop delay of the measured process meanwhile)`);
  printTable(connectRows);

  console.log(`\nMemory of ${measured.name} (pid ${measured.pid}) after it went idle and collected garbage; Δ/conn against the row the clients were added to`);
  const memoryTable: string[][] = [['state', 'conns', 'VmRSS', 'heap used', 'external', 'ΔRSS/conn', 'Δheap/conn', 'Δ(heap+ext)/conn']];
  for (const [i, row] of memoryRows.entries()) {
    const previous = memoryRows[i - 1];
    const added = previous ? row.connections - previous.connections : 0;
    const per = (pick: (m: MemoryUsage) => number) => (previous && added > 0 ? kb((pick(row.memory) - pick(previous.memory)) / added) : '');
    memoryTable.push([
      row.state,
      String(row.connections),
      mb(row.memory.rss),
      mb(row.memory.heapUsed),
      mb(row.memory.external),
      per((m) => m.rss),
      per((m) => m.heapUsed),
      per((m) => m.heapUsed + m.external),
    ]);
  }
  printTable(memoryTable);
  const base = memoryRows[0]!.memory;
  const full = memoryRows.findLast((row) => row.connections === connected);
  if (full && connected > 0) {
    console.log(`overall: ${kb((full.memory.rss - base.rss) / connected)} of RSS and ${kb((full.memory.heapUsed - base.heapUsed) / connected)} of heap per connection at ${connected} connections`);
  }
  console.log(`bench client process: ${mb(clientRss)} RSS with ${connected} ws clients (${mb(clientRssBefore)} before connecting)`);

  console.log(`\nDelivery latency: from the start of each POST /api/v1/statuses to its \`update\` at each ${stream} client (${postCount} posts, every ${intervalMs} ms)`);
  const latencyTable: string[][] = [['round', 'timed', 'deliveries', 'missing', 'dup', 'p50', 'p99', 'max', 'first p50', 'spread p50', 'POST p50', 'server loop p99', 'max']];
  for (const round of rounds) {
    const missing = round.expected - round.deliveries;
    if (missing > 0 || round.postFailures > 0) exitCode = 1;
    latencyTable.push([
      round.label,
      String(subscribed.clients.length),
      `${round.deliveries}/${round.expected}`,
      String(missing),
      String(round.duplicates),
      ms(percentile(round.latencies, 50)),
      ms(percentile(round.latencies, 99)),
      ms(round.latencies.at(-1) ?? NaN),
      ms(percentile(round.firsts, 50)),
      ms(percentile(round.spreads, 50)),
      ms(percentile(round.postTimes, 50)),
      ms(round.loop.p99),
      ms(round.loop.max),
    ]);
    if (round.postFailures > 0) console.log(`  ${round.label}: ${round.postFailures} posts failed`);
    if (round.errors > 0) console.log(`  ${round.label}: ${round.errors} error messages on timed clients`);
  }
  printTable(latencyTable);
  console.log('(first p50: per post, the earliest delivery, median over the posts; spread p50: per post, from the earliest delivery to the last, median over the posts)');

  if (idleErrors.length > 0) {
    exitCode = 1;
    console.log(`\n${idleErrors.length} idle clients got an error message; the first: ${idleErrors[0]!.error}`);
  }
  if (idleMessages > 0) console.log(`idle clients received ${idleMessages} messages (none expected)`);
  if (dropped > 0) {
    exitCode = 1;
    console.log(`\n${dropped} clients were dropped by the server; the first: ${firstDrop}`);
  }
  if (exitCode !== 0) console.log('\nFAILED: deliveries were lost or clients failed (see above)');
} catch (error) {
  exitCode = 1;
  console.error(error);
  for (const server of servers) console.error(`--- ${server.name} output ---\n${server.output().slice(-4000)}`);
} finally {
  await stopAll(servers);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode || process.exitCode || 0);
