/**
 * The social core under load: seeds accounts, follows and statuses, then prints requests per second
 * and p50/p99 for posting and for the home and public timelines, and the time a status takes to
 * reach every home feed of an account with many followers.
 *
 * It starts its own instance in this process (embedded PGlite can be opened by one process only),
 * on a fresh data dir, or on PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (use an
 * empty database: the bench migrates it and leaves its data there).
 *
 *   node bench/social.ts [--accounts 1000] [--followers 10000] [--seconds 10] [--connections 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { homeFeed } from '../src/backends/feeds/index.ts';
import { baseUrl, loadConfig } from '../src/config/index.ts';
import { openDatabase, queryRows } from '../src/db/index.ts';
import { createLogger } from '../src/lib/logger.ts';
import { boot } from '../src/roles/boot.ts';
import { issueToken } from '../src/services/oauth/tokens.ts';
import { hashPassword } from '../src/services/passwords.ts';
import { measure, printTable, summarize } from './lib/load.ts';

const USAGE = `Usage: node bench/social.ts [--accounts N] [--followers N] [--follows-each N] [--statuses-each N]
                            [--seconds S] [--connections N]
  --accounts       accounts in the social graph (default 1000)
  --followers      followers of the account whose post is timed through fan-out (default 10000)
  --follows-each   accounts each member follows (default 20)
  --statuses-each  statuses each member has already posted (default 3)
  --seconds        seconds per measured endpoint (default 10)
  --connections    concurrent request loops (default 10)`;

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} takes a whole number of at least 1`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    accounts: { type: 'string' },
    followers: { type: 'string' },
    'follows-each': { type: 'string' },
    'statuses-each': { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const accounts = positive(values.accounts, 'accounts', 1000);
const followers = positive(values.followers, 'followers', 10_000);
const followsEach = positive(values['follows-each'], 'follows-each', 20);
const statusesEach = positive(values['statuses-each'], 'statuses-each', 3);
const seconds = positive(values.seconds, 'seconds', 10);
const connections = positive(values.connections, 'connections', 10);

const embedded = !process.env.DATABASE_URL && !process.env.DB_HOST;
const dataDir = process.env.SUBSPACE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'subspace-bench-'));
const config = loadConfig({ LOCAL_DOMAIN: 'bench.test', LOCAL_HTTPS: 'false', LOG_LEVEL: 'warn', ...process.env, SUBSPACE_DATA_DIR: dataDir, PORT: '0', BIND: '127.0.0.1' });
if (!embedded) {
  const database = await openDatabase(config);
  await database.migrate();
  await database.close();
}
const instance = await boot(config, { web: true, worker: { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], concurrency: 10 } }, { log: createLogger('warn') });
const { ctx } = instance;
const url = instance.url!;
const time = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

try {
  const members = Math.max(accounts, followers + 1);
  const base = baseUrl(config);
  console.log(`Seeding ${members} accounts (${accounts} in the social graph, following ${followsEach} each, ${statusesEach} statuses each), ${followers} followers of @bench1 (${embedded ? 'embedded' : 'server'} mode)`);
  const password = await hashPassword('bench password');
  await time('accounts', async () => {
    await ctx.db.execute(sql`
      INSERT INTO accounts (username, uri, url)
      SELECT 'bench' || g, ${base} || '/users/bench' || g, ${base} || '/@bench' || g FROM generate_series(1, ${members}) g`);
    await ctx.db.execute(sql`
      INSERT INTO users (account_id, email, encrypted_password, confirmed_at, current_sign_in_at)
      SELECT id, username || '@bench.test', ${password}, now(), now() FROM accounts WHERE username LIKE 'bench%'`);
  });
  const [celebrity] = await queryRows<{ id: string }>(ctx.db, sql`SELECT id::text AS id FROM accounts WHERE username = 'bench1'`);
  await time('follows', async () => {
    await ctx.db.execute(sql`
      INSERT INTO follows (account_id, target_account_id)
      SELECT id, ${celebrity!.id} FROM accounts WHERE username LIKE 'bench%' AND id <> ${celebrity!.id} ORDER BY id LIMIT ${followers}`);
    await ctx.db.execute(sql`
      INSERT INTO follows (account_id, target_account_id)
      SELECT a.id, b.id FROM (SELECT id FROM accounts WHERE username LIKE 'bench%' ORDER BY id LIMIT ${accounts}) a
      CROSS JOIN LATERAL (SELECT id FROM accounts x WHERE x.username LIKE 'bench%' AND x.id <> a.id AND x.id <> ${celebrity!.id}
                          ORDER BY md5(x.id::text || a.id::text) LIMIT ${followsEach}) b
      ON CONFLICT DO NOTHING`);
    await ctx.db.execute(sql`
      UPDATE accounts SET following_count = (SELECT count(*) FROM follows WHERE account_id = accounts.id),
                          followers_count = (SELECT count(*) FROM follows WHERE target_account_id = accounts.id)
      WHERE username LIKE 'bench%'`);
  });
  await time('statuses', async () => {
    await ctx.db.execute(sql`
      WITH authors AS (SELECT id, username FROM accounts WHERE username LIKE 'bench%' AND username <> 'bench1' ORDER BY id LIMIT ${accounts})
      INSERT INTO statuses (account_id, text, content, visibility, created_at)
      SELECT authors.id, 'Seeded status ' || n, '<p>Seeded status ' || n || '</p>', 'public', now() - (n || ' minutes')::interval
      FROM authors CROSS JOIN generate_series(1, ${statusesEach}) n`);
    await ctx.db.execute(sql`
      UPDATE statuses SET uri = ${base} || '/users/' || a.username || '/statuses/' || statuses.id,
                          url = ${base} || '/@' || a.username || '/' || statuses.id
      FROM accounts a WHERE a.id = statuses.account_id AND statuses.uri IS NULL`);
  });
  const clients = await queryRows<{ user_id: string }>(ctx.db, sql`
    SELECT u.id::text AS user_id FROM users u JOIN accounts a ON a.id = u.account_id
    WHERE a.username LIKE 'bench%' AND a.username <> 'bench1' ORDER BY a.id LIMIT 50`);
  const tokens = await Promise.all(clients.map((c) => issueToken(ctx, { applicationId: null, userId: c.user_id, scopes: ['read', 'write'] }).then((t) => t.accessToken)));
  let turn = 0;
  const nextToken = () => tokens[turn++ % tokens.length]!;

  console.log(`\nMeasuring against ${url}: ${connections} connections, ${seconds} s per endpoint (after a warm-up that also builds the home feeds)\n`);
  const rows: string[][] = [['request', 'requests', 'req/s', 'p50', 'p99', 'non-2xx', 'errors']];
  const get = (path: string) => () => fetch(new URL(path, url), { headers: { authorization: `Bearer ${nextToken()}` } });
  let posted = 0;
  const post = () =>
    fetch(new URL('/api/v1/statuses', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${nextToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: `Benchmark post ${++posted} #bench`, visibility: 'public' }),
    });
  for (const [name, send] of [
    ['GET /api/v1/timelines/home', get('/api/v1/timelines/home')],
    ['GET /api/v1/timelines/public', get('/api/v1/timelines/public')],
    ['POST /api/v1/statuses', post],
  ] as const) {
    await measure(send, connections, Math.min(3, seconds), false);
    rows.push(summarize(name, await measure(send, connections, seconds, true)));
  }
  printTable(rows);

  // Fan-out: wait for the posts above to be distributed, then time one post to every follower's home.
  await time('\nwaiting for the queue to drain', async () => {
    for (;;) {
      const counts = await ctx.queue.counts();
      if (counts.default === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  const celebrityUser = await queryRows<{ id: string }>(ctx.db, sql`SELECT id::text AS id FROM users WHERE account_id = ${celebrity!.id}`);
  const celebrityToken = (await issueToken(ctx, { applicationId: null, userId: celebrityUser[0]!.id, scopes: ['read', 'write'] })).accessToken;
  const followerIds = (await queryRows<{ id: string }>(ctx.db, sql`SELECT account_id::text AS id FROM follows WHERE target_account_id = ${celebrity!.id}`)).map((r) => r.id);
  const started = performance.now();
  const response = await fetch(new URL('/api/v1/statuses', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${celebrityToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'To all my followers', visibility: 'public' }),
  });
  const status = (await response.json()) as { id: string };
  const accepted = performance.now() - started;
  let waiting = followerIds;
  while (waiting.length > 0) {
    const still: string[] = [];
    for (let i = 0; i < waiting.length; i += 500) {
      const batch = waiting.slice(i, i + 500);
      const newest = await Promise.all(batch.map((id) => ctx.feeds.page(homeFeed(id), { limit: 1 })));
      batch.forEach((id, j) => {
        if (newest[j]![0] !== status.id) still.push(id);
      });
    }
    waiting = still;
    if (performance.now() - started > 600_000) throw new Error(`fan-out unfinished after 10 minutes: ${waiting.length} feeds left`);
    if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`fan-out of one post to ${followerIds.length} followers' home feeds: ${((performance.now() - started) / 1000).toFixed(2)} s (the POST answered in ${accepted.toFixed(1)} ms)`);
} finally {
  await instance.close();
  if (!process.env.SUBSPACE_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
}
