/**
 * Where a request's database time goes: the queries it runs, counted and timed by statement. For
 * profiling only, so it boots the instance in this process (embedded, on the targets bench's seeded
 * data) and wraps PGlite's query and transaction, which a CPU profile cannot attribute (the queries
 * run from PGlite's queue, without the caller on the stack). One request at a time:
 *
 *   node bench/query-profile.ts [--requests 20] [--followers 1000] [--only post,home,public,fanout]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/lib/logger.ts';
import { boot } from '../src/roles/boot.ts';
import { seedTargets } from './lib/targets-seed.ts';

const { values } = parseArgs({ options: { requests: { type: 'string' }, followers: { type: 'string' }, only: { type: 'string' } } });
const requests = Number(values.requests ?? 20);
const followers = Number(values.followers ?? 1000);
const only = new Set((values.only ?? 'post,home,public,fanout').split(','));

interface Stat {
  count: number;
  ms: number;
}
let stats = new Map<string, Stat>();
const record = (text: string, ms: number) => {
  const key = text.replace(/\s+/g, ' ').replace(/\$\d+/g, '?').slice(0, 160);
  const stat = stats.get(key) ?? { count: 0, ms: 0 };
  stat.count += 1;
  stat.ms += ms;
  stats.set(key, stat);
};
const timed = async <T>(text: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await work();
  } finally {
    record(text, performance.now() - started);
  }
};
const proto = PGlite.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
const query = proto.query!;
proto.query = function (this: unknown, text: unknown, ...rest: unknown[]) {
  return timed(String(text), () => query.call(this, text, ...rest));
};
const transaction = proto.transaction!;
proto.transaction = function (this: unknown, callback: unknown) {
  return timed('BEGIN … COMMIT (whole transaction)', () =>
    transaction.call(this, (tx: { query: (...args: unknown[]) => Promise<unknown> }) => {
      const inner = tx.query;
      tx.query = (text: unknown, ...rest: unknown[]) => timed(`(tx) ${String(text)}`, () => inner.call(tx, text, ...rest));
      return (callback as (tx: unknown) => Promise<unknown>)(tx);
    }),
  );
};

const dataDir = mkdtempSync(join(tmpdir(), 'subspace-query-profile-'));
const tokenPrefix = `qp-${randomBytes(6).toString('base64url')}-`;
const config = loadConfig({
  LOCAL_DOMAIN: 'bench.test',
  LOCAL_HTTPS: 'false',
  LOG_LEVEL: 'warn',
  SUBSPACE_DATA_DIR: dataDir,
  PORT: '0',
  BIND: '127.0.0.1',
  SECRET_KEY_BASE: 'x'.repeat(64),
  SUBSPACE_PGLITE_THREAD: 'main',
});
await seedTargets(config, { followers, tokenPrefix, remotes: [] });
const instance = await boot(config, { web: true, worker: { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], concurrency: 5 } }, { log: createLogger('warn') });
const url = instance.url!;
const auth = (username: string) => ({ authorization: `Bearer ${tokenPrefix}${username}` });
const drain = async () => {
  for (;;) {
    const counts = await instance.ctx.queue.counts();
    if (Object.values(counts).every((n) => n === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

async function profile(name: string, send: (i: number) => Promise<Response>, waitForJobs = false) {
  await (await send(-1)).arrayBuffer();
  await drain();
  stats = new Map();
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const response = await send(i);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    if (waitForJobs) await drain();
  }
  const elapsed = performance.now() - started;
  const total = [...stats.values()].reduce((sum, s) => sum + (s.count ? 1 : 0) * 0 + s.count, 0);
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  console.log(`\n${name}: ${(elapsed / requests).toFixed(1)} ms per request${waitForJobs ? ' (its jobs included)' : ''}, ${(total / requests).toFixed(1)} statements per request`);
  for (const [text, stat] of rows.slice(0, 18)) console.log(`${(stat.ms / requests).toFixed(2).padStart(8)} ms ${(stat.count / requests).toFixed(1).padStart(5)}×  ${text}`);
}

try {
  if (only.has('home')) await profile('GET /api/v1/timelines/home', () => fetch(`${url}/api/v1/timelines/home`, { headers: auth('tv1') }));
  if (only.has('public')) await profile('GET /api/v1/timelines/public', () => fetch(`${url}/api/v1/timelines/public`, { headers: auth('tv1') }));
  const post = (account: string) => (i: number) =>
    fetch(`${url}/api/v1/statuses`, {
      method: 'POST',
      headers: { ...auth(account), 'content-type': 'application/json' },
      body: JSON.stringify({ status: `Profiled post ${i} #bench`, visibility: 'public' }),
    });
  if (only.has('post')) await profile('POST /api/v1/statuses (the request alone)', post('tv2'));
  if (only.has('post')) await profile('POST /api/v1/statuses by an author with 10 followers, its jobs included', post('ta1'), true);
  if (only.has('fanout')) await profile(`POST /api/v1/statuses by an author with ${followers} followers, its jobs included`, post('tb0'), true);
} finally {
  await instance.close();
  rmSync(dataDir, { recursive: true, force: true });
}
