/**
 * Outbound federation: the time from a member's post to its arrival at every server of its remote
 * followers. Seeds N remote followers spread over M servers, each server a small HTTP sink on its
 * own loopback address (127.0.0.2, 127.0.0.3, …) counting the signed POSTs to its shared inbox,
 * then times P posts: from the start of `POST /api/v1/statuses` to the last server's request.
 * Each post should cost M requests (one per shared inbox), whatever N.
 *
 * Everything runs in processes of its own: the sinks (bench/lib/delivery-sinks.ts), and the
 * instance: `subspace start` on a throwaway data dir (embedded, seeded before it starts), or
 * `subspace web` and `subspace worker` on PostgreSQL and Redis when DATABASE_URL / REDIS_URL name an
 * empty database. This process is only the client.
 *
 *   node bench/federation-delivery.ts [--followers 1000] [--servers 50] [--posts 5] [--concurrency 5] [--latency-ms 0]
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { baseUrl, loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { ms, percentile, printTable } from './lib/load.ts';
import { benchEnvironment, ownPort, ServerProcess, stopAll } from './lib/server-process.ts';

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

const { serverMode, dataDir, env } = benchEnvironment('delivery', concurrency);
const token = `fd-${randomBytes(12).toString('base64url')}`;
const sinks = new ServerProcess('sinks', [String(servers), String(latencyMs)], env, undefined, { script: new URL('./lib/delivery-sinks.ts', import.meta.url).pathname });
const children: ServerProcess[] = [sinks];
const epoch = () => performance.timeOrigin + performance.now();

try {
  await once(sinks.child, 'message');
  const { hosts } = (await sinks.ask({ type: 'hosts' })) as unknown as { hosts: [string, string][] };
  console.log(`Seeding ${followers} remote followers over ${servers} servers (${serverMode ? 'server' : 'embedded'} mode, worker concurrency ${concurrency}, servers answer in ${latencyMs} ms)`);
  const config = loadConfig({ ...env, PORT: '3000' });
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const db = database.db;
    const base = baseUrl(config);
    await db.execute(sql`INSERT INTO accounts (username, uri, url, followers_count) VALUES ('poster', ${base} || '/users/poster', ${base} || '/@poster', ${followers})`);
    await db.execute(sql`INSERT INTO users (account_id, email, confirmed_at, current_sign_in_at) SELECT id, 'poster@bench.test', now(), now() FROM accounts WHERE username = 'poster'`);
    await db.execute(sql`
      INSERT INTO oauth_access_tokens (token_digest, user_id, scopes)
      SELECT encode(sha256(convert_to(${token}, 'UTF8')), 'hex'), u.id, 'read write' FROM users u`);
    await db.execute(sql`
      WITH servers AS (SELECT (s.value->>0) AS host, (s.value->>1) AS origin, s.n - 1 AS i
                       FROM json_array_elements(${JSON.stringify(hosts)}::json) WITH ORDINALITY AS s(value, n))
      INSERT INTO accounts (username, domain, uri, url, inbox_url, shared_inbox_url)
      SELECT 'follower' || g, servers.host, servers.origin || '/users/follower' || g, servers.origin || '/@follower' || g,
             servers.origin || '/users/follower' || g || '/inbox', servers.origin || '/inbox'
      FROM generate_series(0, ${followers - 1}) g JOIN servers ON servers.i = g % ${servers}`);
    await db.execute(sql`
      INSERT INTO follows (account_id, target_account_id)
      SELECT f.id, p.id FROM accounts f, accounts p WHERE f.username LIKE 'follower%' AND f.domain IS NOT NULL AND p.username = 'poster' AND p.domain IS NULL`);
  } finally {
    await database.close();
  }
  if (serverMode) children.push(new ServerProcess('web', ['web'], env, ownPort()), new ServerProcess('worker', ['worker'], env));
  else children.push(new ServerProcess('subspace start', ['start'], env, ownPort()));
  const web = children[1]!;
  await web.waitUntilServing('/health');
  const url = web.url!;

  const postOne = async (text: string) => {
    const started = epoch();
    const response = await fetch(new URL('/api/v1/statuses', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: text, visibility: 'public' }),
    });
    if (response.status !== 200) throw new Error(`POST /api/v1/statuses answered ${response.status}: ${await response.text()}`);
    const answered = epoch() - started;
    const { uri } = (await response.json()) as { uri: string };
    const deadline = started + 600_000;
    let seen: { first: (number | null)[]; requests: number; unsigned: number };
    for (;;) {
      seen = (await sinks.ask({ type: 'arrivals', uri })) as unknown as typeof seen;
      const missing = seen.first.filter((at) => at === null).length;
      if (missing === 0) break;
      if (epoch() > deadline) throw new Error(`after 10 minutes, ${missing} servers still have nothing`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // let stray duplicates arrive before counting
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen = (await sinks.ask({ type: 'arrivals', uri })) as unknown as typeof seen;
    const arrivals = seen.first.map((at) => at! - started).sort((a, b) => a - b);
    return { answered, arrivals, requests: seen.requests, unsigned: seen.unsigned };
  };

  await postOne('warm-up');
  console.log(`\n${posts} posts, each to ${followers} followers on ${servers} servers; times from the start of the POST\n`);
  const rows: string[][] = [['post', 'POST answered', 'first server', 'p50 server', 'p95 server', 'last server (total)', 'requests', 'deliveries/s']];
  const totals: number[] = [];
  let unsigned = 0;
  for (let n = 1; n <= posts; n++) {
    const result = await postOne(`Benchmark post ${n}`);
    const { arrivals } = result;
    const total = arrivals[arrivals.length - 1]!;
    totals.push(total);
    unsigned = result.unsigned;
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
  if (unsigned > 0) console.log(`unsigned or unreadable requests: ${unsigned}`);
} catch (error) {
  for (const child of children) console.error(`--- ${child.name} output ---\n${child.output().slice(-3000)}`);
  throw error;
} finally {
  await stopAll(children);
  rmSync(dataDir, { recursive: true, force: true });
}
