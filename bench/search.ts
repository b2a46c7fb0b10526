/**
 * Search latency at a million statuses (issue 15): `GET /api/v2/search` answered by `subspace start`
 * (embedded) or `subspace web` (server mode: DATABASE_URL naming an empty database, and REDIS_URL),
 * each query measured for req/s, p50, p90 and p99 by N concurrent loops after a warm-up, with its
 * ratio to a bare node:http server measured by the same client in the same run.
 *
 * The data (bulk SQL before the server starts; PGlite admits one process): 2,000 authors (two in
 * three opted in to search), 10 searchers with a token each (`sv1…sv10`, 500 favourites and 200
 * bookmarks each), 1,000 hashtags, and `--statuses` statuses over the past year, of 12–16 words
 * drawn from 5,000 with a skewed law (so that `w0` is in about half of them, `w100` in one in a
 * hundred, `w4990` in one in a thousand), 70% English, 20% German, the rest of no
 * language, 90% public. The GIN index is built after the documents, then everything is analysed.
 *
 *   node bench/search.ts [--statuses 1000000] [--seconds 5] [--warmup 2] [--connections 10]
 *   DATABASE_URL=postgres://…/empty_db REDIS_URL=redis://… node bench/search.ts
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase, queryRows } from '../src/db/index.ts';
import { measure, ms, percentile, printTable } from './lib/load.ts';
import { benchEnvironment, ownPort, ServerProcess, stopAll } from './lib/server-process.ts';

const USAGE = `Usage: node bench/search.ts [--statuses N] [--seconds N] [--warmup N] [--connections N]
  --statuses      how many statuses to seed (default 1000000)
  --seconds       seconds per measured query (default 5)
  --warmup        seconds of warm-up before each (default 2)
  --connections   concurrent request loops (default 10)
  --reuse         measure on a database this bench seeded before (server mode), without seeding again
Server mode when DATABASE_URL (an empty database) and REDIS_URL are set; embedded otherwise.`;

const { values } = parseArgs({
  options: {
    statuses: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    reuse: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const count = (value: string | undefined, fallback: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(USAGE);
    process.exit(2);
  }
  return n;
};
const STATUSES = count(values.statuses, 1_000_000);
const SECONDS = count(values.seconds, 5);
const WARMUP = Number(values.warmup ?? 2);
const CONNECTIONS = count(values.connections, 10);
const SEARCHERS = 10;
const AUTHORS = 2000;
const TOKEN_PREFIX = `sb-${randomBytes(9).toString('base64url')}-`;

const { serverMode, dataDir, env } = benchEnvironment('search', 5);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

async function seed() {
  const database = await openDatabase(loadConfig({ ...env, PORT: '3000' }));
  try {
    await database.migrate();
    const db = database.db;
    const [existing] = await queryRows<{ count: string | number }>(db, sql`SELECT count(*) AS count FROM accounts`);
    if (Number(existing?.count ?? 0) > 0) throw new Error('the database already has accounts: give the bench an empty one');
    const step = async (what: string, statement: ReturnType<typeof sql>) => {
      const started = performance.now();
      await db.execute(statement);
      console.log(`  ${what}: ${seconds(started)} s`);
    };
    await step(
      'accounts',
      sql`INSERT INTO accounts (username, display_name, uri, indexable)
          SELECT name, initcap(name) || ' Example', 'http://bench.test/users/' || name, indexable
          FROM (SELECT 'sv' || g AS name, true AS indexable FROM generate_series(1, ${SEARCHERS}) g
                UNION ALL SELECT 'author' || g, g % 3 <> 0 FROM generate_series(1, ${AUTHORS}) g) n`,
    );
    await db.execute(sql`INSERT INTO users (account_id, email, confirmed_at) SELECT id, username || '@bench.test', now() FROM accounts`);
    await db.execute(sql`
      INSERT INTO oauth_access_tokens (token_digest, user_id, scopes)
      SELECT encode(sha256(convert_to(${TOKEN_PREFIX} || a.username, 'UTF8')), 'hex'), u.id, 'read write'
      FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.username LIKE 'sv%'`);
    await db.execute(sql`INSERT INTO tags (name) SELECT 'topic' || g FROM generate_series(1, 1000) g`);
    // the documents are written by the trigger; their GIN index is built once, after them
    await db.execute(sql`DROP INDEX index_status_search_documents_on_document`);
    await step(
      `${STATUSES.toLocaleString('en')} statuses and their documents`,
      sql`WITH authors AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts WHERE username LIKE 'author%')
          INSERT INTO statuses (id, account_id, text, language, visibility, created_at, uri)
          SELECT timestamp_id(at), authors.ids[1 + g % ${AUTHORS}],
                 (SELECT string_agg('w' || floor(5000 * power(random(), 3))::int, ' ') FROM generate_series(1, 12 + g % 5) k),
                 CASE WHEN g % 10 < 7 THEN 'en' WHEN g % 10 < 9 THEN 'de' END,
                 CASE WHEN g % 10 = 9 THEN 'private' ELSE 'public' END,
                 at, 'http://bench.test/statuses/' || g
          FROM authors, generate_series(1, ${STATUSES}) g, LATERAL (SELECT now() - (${STATUSES} - g) * (interval '1 year' / ${STATUSES}) AS at) t`,
    );
    await step('GIN index', sql`CREATE INDEX index_status_search_documents_on_document ON status_search_documents USING gin (document)`);
    await db.execute(sql`
      WITH topics AS (SELECT array_agg(id ORDER BY id) AS ids FROM tags)
      INSERT INTO statuses_tags (status_id, tag_id)
      SELECT s.id, topics.ids[1 + (s.id / 140) % 1000] FROM topics, statuses s WHERE (s.id / 7) % 20 = 0`);
    for (const [table, each] of [
      ['favourites', 500],
      ['bookmarks', 200],
    ] as const) {
      await db.execute(
        sql.raw(`INSERT INTO ${table} (account_id, status_id)
          SELECT a.id, s.id FROM accounts a
          CROSS JOIN LATERAL (SELECT id FROM statuses TABLESAMPLE SYSTEM (1) WHERE a.id > 0 LIMIT ${each}) s
          WHERE a.username LIKE 'sv%' ON CONFLICT DO NOTHING`),
      );
    }
    await step('ANALYZE', sql`ANALYZE`);
  } finally {
    await database.close();
  }
}

const QUERIES: [string, Record<string, string>][] = [
  ['rare word (~0.1%)', { q: 'w4990', type: 'statuses' }],
  ['absent word', { q: 'zzzz', type: 'statuses' }],
  ['word in 1 of 100', { q: 'w100', type: 'statuses' }],
  ['common word (~50%)', { q: 'w0', type: 'statuses' }],
  ['two words', { q: 'w100 w200', type: 'statuses' }],
  ['phrase', { q: '"w0 w1"', type: 'statuses' }],
  ['word, -word, operators', { q: 'w100 -w0 language:en -is:reply before:2030-01-01', type: 'statuses' }],
  ['from: an author', { q: 'w0 from:author7', type: 'statuses' }],
  ['in:library', { q: 'w0 in:library', type: 'statuses' }],
  ['#hashtag', { q: '#topic7', type: 'statuses' }],
  ['all types, one word', { q: 'w100' }],
  ['accounts by prefix', { q: 'author12', type: 'accounts' }],
  ['accounts by likeness', { q: 'athor123', type: 'accounts' }],
  ['hashtags by prefix', { q: 'topic1', type: 'hashtags' }],
];

async function main() {
  if (!serverMode) {
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
  }
  if (values.reuse && serverMode) {
    console.log('== server mode: the database seeded before, new tokens');
    const database = await openDatabase(loadConfig({ ...env, PORT: '3000' }));
    await database.db.execute(sql`
      UPDATE oauth_access_tokens t SET token_digest = encode(sha256(convert_to(${TOKEN_PREFIX} || a.username, 'UTF8')), 'hex')
      FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.id = t.user_id AND a.username LIKE 'sv%'`);
    await database.close();
  } else {
    console.log(`== ${serverMode ? 'server' : 'embedded'} mode: seeding ${STATUSES.toLocaleString('en')} statuses`);
    const seeded = performance.now();
    await seed();
    console.log(`seeded in ${seconds(seeded)} s`);
  }

  const bare = new ServerProcess('bare node:http', [], { ...process.env }, ownPort(), { script: new URL('./lib/bare-server.ts', import.meta.url).pathname });
  const server = serverMode ? new ServerProcess('web', ['web'], env, ownPort()) : new ServerProcess('subspace start', ['start'], env, ownPort());
  try {
    await Promise.all([bare.waitUntilServing('/'), server.waitUntilServing('/health')]);
    let turn = 0;
    const token = () => `${TOKEN_PREFIX}sv${1 + (turn++ % SEARCHERS)}`;
    const send = (base: string, query: Record<string, string>) => () => fetch(`${base}/api/v2/search?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${token()}` } });
    const rows = [['query', 'results', 'req/s', 'p50', 'p90', 'p99', 'p99 / bare p99', 'non-2xx']];
    const bareSend = send(bare.url!, { q: 'w0' });
    await measure(bareSend, CONNECTIONS, WARMUP, false);
    const bareRun = await measure(bareSend, CONNECTIONS, SECONDS, true);
    const bareSorted = Array.from(Float64Array.from(bareRun.latencies).sort());
    const bareP99 = percentile(bareSorted, 99);
    rows.push(['bare node:http', '', (bareRun.requests / bareRun.seconds).toFixed(0), ms(percentile(bareSorted, 50)), ms(percentile(bareSorted, 90)), ms(bareP99), '1', String(bareRun.non2xx)]);
    for (const [name, query] of QUERIES) {
      const answer = await (await send(server.url!, query)()).json().catch(() => ({}));
      const results = ['accounts', 'statuses', 'hashtags'].map((key) => (answer as Record<string, unknown[]>)[key]?.length ?? 0).reduce((a, b) => a + b, 0);
      if (WARMUP > 0) await measure(send(server.url!, query), CONNECTIONS, WARMUP, false);
      const run = await measure(send(server.url!, query), CONNECTIONS, SECONDS, true);
      const sorted = Array.from(Float64Array.from(run.latencies).sort());
      rows.push([
        `${name}: ${new URLSearchParams(query)}`,
        String(results),
        (run.requests / run.seconds).toFixed(1),
        ms(percentile(sorted, 50)),
        ms(percentile(sorted, 90)),
        ms(percentile(sorted, 99)),
        `${(percentile(sorted, 99) / bareP99).toFixed(0)}×`,
        `${run.non2xx}${run.firstError ? ` (${run.firstError})` : ''}`,
      ]);
      console.log(`  ${rows.at(-1)!.join('  ')}`);
    }
    console.log('');
    printTable(rows);
  } finally {
    await stopAll([bare, server]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
