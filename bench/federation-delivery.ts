/**
 * Outbound federation: the time from a member's post to its arrival at every server of its remote
 * followers. Seeds N remote followers spread over M servers, each server a small HTTP sink on its
 * own loopback address (127.0.0.2, 127.0.0.3, …) counting the signed POSTs to its shared inbox,
 * then times P posts: from the start of `POST /api/v1/statuses` to the last server's request.
 * Each post should cost M requests (one per shared inbox), whatever N.
 *
 * It starts its own instance in this process (embedded on a throwaway data dir, or on PostgreSQL
 * and Redis when DATABASE_URL / REDIS_URL name an empty database), with a worker serving every queue.
 *
 *   node bench/federation-delivery.ts [--followers 1000] [--servers 50] [--posts 5] [--concurrency 5] [--latency-ms 0]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/lib/logger.ts';
import { boot } from '../src/roles/boot.ts';
import { createLocalAccount } from '../src/services/create-account.ts';
import { issueToken } from '../src/services/oauth/tokens.ts';
import { ms, percentile, printTable } from './lib/load.ts';

const USAGE = `Usage: node bench/federation-delivery.ts [--followers N] [--servers M] [--posts P] [--concurrency C] [--latency-ms L]
  --followers    remote followers of the posting member (default 1000)
  --servers      servers they are spread over, one shared inbox each (default 50; at most 250 addresses, then ports)
  --posts        posts timed, one after the other (default 5, after one warm-up post)
  --concurrency  jobs the instance's worker runs at once (default 5, SIDEKIQ_CONCURRENCY's default)
  --latency-ms   how long each server takes to answer a delivery (default 0)`;

function whole(value: string | undefined, name: string, fallback: number, least = 1): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < least) throw new Error(`--${name} takes a whole number of at least ${least}`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    followers: { type: 'string' },
    servers: { type: 'string' },
    posts: { type: 'string' },
    concurrency: { type: 'string' },
    'latency-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const followers = whole(values.followers, 'followers', 1000);
const servers = whole(values.servers, 'servers', 50);
const posts = whole(values.posts, 'posts', 5);
const concurrency = whole(values.concurrency, 'concurrency', 5);
const latencyMs = whole(values['latency-ms'], 'latency-ms', 0, 0);
if (servers > followers) throw new Error('--servers cannot exceed --followers');

/** A remote server: its shared inbox answers 202 (after `latencyMs`) and records when each activity arrived. */
interface Sink {
  origin: string;
  host: string;
  /** activity object id → arrival times (performance.now()) of its signed POSTs */
  arrivals: Map<string, number[]>;
  unsigned: number;
  server: Server;
}

async function startSink(index: number): Promise<Sink> {
  const address = `127.0.0.${2 + (index % 250)}`;
  const sink = { arrivals: new Map(), unsigned: 0 } as Sink;
  sink.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      if (!req.headers.signature && !req.headers['signature-input']) sink.unsigned += 1;
      else {
        try {
          const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { object?: { id?: string } | string };
          const key = typeof activity.object === 'string' ? activity.object : (activity.object?.id ?? '');
          sink.arrivals.set(key, [...(sink.arrivals.get(key) ?? []), at]);
        } catch {
          sink.unsigned += 1;
        }
      }
      const answer = () => res.writeHead(req.method === 'POST' ? 202 : 404).end();
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  sink.server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sink.server.listen(0, address, resolve));
  sink.host = `${address}:${(sink.server.address() as AddressInfo).port}`;
  sink.origin = `http://${sink.host}`;
  return sink;
}

const embedded = !process.env.DATABASE_URL && !process.env.DB_HOST;
const dataDir = process.env.SUBSPACE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'subspace-bench-'));
const config = loadConfig({
  LOCAL_DOMAIN: 'bench.test',
  LOCAL_HTTPS: 'false',
  LOG_LEVEL: 'warn',
  ...process.env,
  ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8',
  SUBSPACE_DATA_DIR: dataDir,
  PORT: '0',
  BIND: '127.0.0.1',
});
if (!embedded) {
  const database = await openDatabase(config);
  await database.migrate();
  await database.close();
}
const sinks = await Promise.all(Array.from({ length: servers }, (_, i) => startSink(i)));
const instance = await boot(config, { web: true, worker: { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], concurrency } }, { log: createLogger('warn') });
const { ctx } = instance;
const url = instance.url!;

// every job enqueued, by name, to show what a post costs
const jobCounts = new Map<string, number>();
const enqueueJob = ctx.queue.enqueue.bind(ctx.queue);
ctx.queue.enqueue = (queue, name, data, options) => {
  jobCounts.set(name, (jobCounts.get(name) ?? 0) + 1);
  return enqueueJob(queue, name, data, options);
};

try {
  console.log(`Seeding ${followers} remote followers over ${servers} servers (${embedded ? 'embedded' : 'server'} mode, worker concurrency ${concurrency}, servers answer in ${latencyMs} ms)`);
  const { user, account } = await createLocalAccount(ctx, { username: 'poster', email: 'poster@bench.test', password: 'bench password', confirmed: true, role: null, allowReserved: true });
  const token = (await issueToken(ctx, { applicationId: null, userId: user.id, scopes: ['read', 'write'] })).accessToken;
  const origins = JSON.stringify(sinks.map((sink) => [sink.host, sink.origin]));
  await ctx.db.execute(sql`
    WITH servers AS (SELECT (s.value->>0) AS host, (s.value->>1) AS origin, s.n - 1 AS i
                     FROM json_array_elements(${origins}::json) WITH ORDINALITY AS s(value, n))
    INSERT INTO accounts (username, domain, uri, url, inbox_url, shared_inbox_url)
    SELECT 'follower' || g, servers.host, servers.origin || '/users/follower' || g, servers.origin || '/@follower' || g,
           servers.origin || '/users/follower' || g || '/inbox', servers.origin || '/inbox'
    FROM generate_series(0, ${followers - 1}) g JOIN servers ON servers.i = g % ${servers}`);
  await ctx.db.execute(sql`
    INSERT INTO follows (account_id, target_account_id)
    SELECT id, ${account.id} FROM accounts WHERE username LIKE 'follower%' AND domain IS NOT NULL`);
  await ctx.db.execute(sql`UPDATE accounts SET followers_count = ${followers} WHERE id = ${account.id}`);

  const postOne = async (text: string) => {
    for (const key of jobCounts.keys()) jobCounts.set(key, 0);
    const started = performance.now();
    const response = await fetch(new URL('/api/v1/statuses', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: text, visibility: 'public' }),
    });
    if (response.status !== 200) throw new Error(`POST /api/v1/statuses answered ${response.status}: ${await response.text()}`);
    const answered = performance.now() - started;
    const { uri } = (await response.json()) as { uri: string };
    const deadline = started + 600_000;
    while (sinks.some((sink) => !sink.arrivals.has(uri))) {
      if (performance.now() > deadline) throw new Error(`after 10 minutes, ${sinks.filter((sink) => !sink.arrivals.has(uri)).length} servers still have nothing`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const arrivals = sinks.map((sink) => Math.min(...sink.arrivals.get(uri)!) - started).sort((a, b) => a - b);
    // let stray duplicates arrive before counting
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requests = sinks.reduce((sum, sink) => sum + (sink.arrivals.get(uri)?.length ?? 0), 0);
    return { answered, arrivals, requests, jobs: new Map(jobCounts) };
  };

  await postOne('warm-up');
  console.log(`\n${posts} posts, each to ${followers} followers on ${servers} servers; times from the start of the POST\n`);
  const rows: string[][] = [['post', 'POST answered', 'first server', 'p50 server', 'p95 server', 'last server (total)', 'requests', 'deliveries/s']];
  const totals: number[] = [];
  let jobs = new Map<string, number>();
  for (let n = 1; n <= posts; n++) {
    const result = await postOne(`Benchmark post ${n}`);
    const { arrivals } = result;
    const total = arrivals[arrivals.length - 1]!;
    totals.push(total);
    jobs = result.jobs;
    const spread = (total - arrivals[0]!) / 1000;
    rows.push([
      String(n),
      ms(result.answered),
      ms(arrivals[0]!),
      ms(percentile(arrivals, 50)),
      ms(percentile(arrivals, 95)),
      ms(total),
      String(result.requests),
      spread > 0 ? (servers / spread).toFixed(0) : '-',
    ]);
  }
  printTable(rows);
  const sorted = [...totals].sort((a, b) => a - b);
  console.log(`\nmedian time to reach all ${servers} servers: ${ms(percentile(sorted, 50))}; ${(percentile(sorted, 50) / servers).toFixed(2)} ms per server`);
  console.log(`jobs per post: ${[...jobs].filter(([, count]) => count > 0).map(([name, count]) => `${count} ${name}`).join(', ')}`);
  const unsigned = sinks.reduce((sum, sink) => sum + sink.unsigned, 0);
  if (unsigned > 0) console.log(`unsigned or unreadable requests: ${unsigned}`);
} finally {
  await instance.close();
  await Promise.all(sinks.map((sink) => new Promise((resolve) => sink.server.close(resolve))));
  if (!process.env.SUBSPACE_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
}
