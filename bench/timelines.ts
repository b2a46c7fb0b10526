/**
 * Fan-out and home-timeline benchmark, in process: one author with N local followers, M statuses
 * distributed (the Distribution job's work, timed per status), then home timeline pages read
 * for random followers. Embedded (a throwaway PGlite data dir) by default; with DATABASE_URL
 * (an already migrated database) and REDIS_URL it measures the server drivers instead.
 *
 *   node bench/timelines.ts [--followers 1000] [--statuses 50] [--reads 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.ts';
import { queryRows } from '../src/db/index.ts';
import { accounts, statuses } from '../src/db/schema.ts';
import { createLogger } from '../src/lib/logger.ts';
import { boot } from '../src/roles/boot.ts';
import { distributeStatus } from '../src/services/feeds/fan-out.ts';
import { homeTimeline } from '../src/services/feeds/timelines.ts';
import { ms, percentile } from './lib/load.ts';

const sorted = (samples: number[]) => [...samples].sort((a, b) => a - b);

const { values } = parseArgs({
  options: { followers: { type: 'string', default: '1000' }, statuses: { type: 'string', default: '50' }, reads: { type: 'string', default: '200' } },
});
const followers = Number(values.followers);
const statusCount = Number(values.statuses);
const reads = Number(values.reads);

const dataDir = mkdtempSync(join(tmpdir(), 'subspace-bench-'));
const env: Record<string, string> = { NODE_ENV: 'production', SUBSPACE_DATA_DIR: dataDir, LOCAL_DOMAIN: 'bench.test', LOG_LEVEL: 'error', PORT: '0' };
for (const name of ['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY_BASE']) if (process.env[name]) env[name] = process.env[name]!;
if (env.DATABASE_URL && !env.SECRET_KEY_BASE) env.SECRET_KEY_BASE = 'x'.repeat(64);
const instance = await boot(loadConfig(env), {}, { log: createLogger('error') });
const { ctx } = instance;
try {
  const tag = Date.now().toString(36);
  const [author] = await ctx.db
    .insert(accounts)
    .values({ username: `author_${tag}` })
    .returning();
  // followers: accounts with users (active: just created) following the author, made in bulk
  await ctx.db.execute(sql`
    WITH made AS (
      INSERT INTO accounts (username) SELECT 'f_' || ${tag} || '_' || g FROM generate_series(1, ${followers}::int) g RETURNING id, username)
    , users_made AS (
      INSERT INTO users (account_id, email) SELECT id, username || '@bench.test' FROM made RETURNING account_id)
    INSERT INTO follows (account_id, target_account_id) SELECT account_id, ${author!.id}::bigint FROM users_made`);
  const followerIds = (await queryRows<{ id: string | number }>(ctx.db, sql`SELECT account_id AS id FROM follows WHERE target_account_id = ${author!.id}`)).map((row) => String(row.id));

  const fanOut: number[] = [];
  for (let i = 0; i < statusCount; i++) {
    const [status] = await ctx.db
      .insert(statuses)
      .values({ accountId: author!.id, text: `post ${i}`, content: `<p>post ${i}</p>` })
      .returning();
    const started = performance.now();
    await distributeStatus(ctx, status!.id);
    fanOut.push(performance.now() - started);
  }
  const readTimes: number[] = [];
  for (let i = 0; i < reads; i++) {
    const reader = followerIds[Math.floor(Math.random() * followerIds.length)]!;
    const started = performance.now();
    await homeTimeline(ctx, reader, { limit: 20 });
    readTimes.push(performance.now() - started);
  }
  const kind = env.REDIS_URL ? 'redis feeds' : 'database feeds';
  console.log(`${kind}, ${followerIds.length} followers`);
  console.log(`fan-out per status: p50 ${ms(percentile(sorted(fanOut), 50))}, p99 ${ms(percentile(sorted(fanOut), 99))} (${statusCount} statuses)`);
  console.log(`home page of 20 (feed read + rows, no rendering): p50 ${ms(percentile(sorted(readTimes), 50))}, p99 ${ms(percentile(sorted(readTimes), 99))} (${reads} reads)`);
} finally {
  await instance.close();
  rmSync(dataDir, { recursive: true, force: true });
}
