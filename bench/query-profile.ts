/**
 * Where a request's database time goes: the queries it runs, counted and timed by statement. For
 * profiling only, so it boots the instance in this process (embedded, on the targets bench's seeded
 * data) and wraps PGlite's query and transaction, which a CPU profile cannot attribute (the queries
 * run from PGlite's queue, without the caller on the stack). One request at a time:
 *
 *   node bench/query-profile.ts [--requests 20] [--followers 1000] [--only post,home,public,fanout,pages,inbound] [--shown 18]
 *
 * `inbound`: signed public Creates (a tag, a mention of a member) from three fake remote servers to
 * the shared inbox, counted twice: what the web tier runs to accept one (202), then what one worker
 * runs to process it (the ingress job, the Distribution and follow-ups it queues), the worker of the
 * ingress queue being started only after the POSTs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/lib/logger.ts';
import { boot } from '../src/roles/boot.ts';
import { jobRunner } from '../src/jobs/handlers.ts';
import { startFakeRemote } from '../test/helpers/fake-remote.ts';
import { inboundCreate } from './lib/inbound-create.ts';
import { seedTargets } from './lib/targets-seed.ts';

const { values } = parseArgs({ options: { requests: { type: 'string' }, followers: { type: 'string' }, only: { type: 'string' }, shown: { type: 'string' } } });
const requests = Number(values.requests ?? 20);
const followers = Number(values.followers ?? 1000);
const only = new Set((values.only ?? 'post,home,public,fanout,inbound').split(','));

interface Stat {
  count: number;
  ms: number;
}
let stats = new Map<string, Stat>();
/** false while the bench itself polls the queue */
let recording = true;
const record = (text: string, ms: number) => {
  if (!recording) return;
  const key = text.replace(/\s+/g, ' ').replace(/\$\d+/g, '?').slice(0, 160);
  const stat = stats.get(key) ?? { count: 0, ms: 0 };
  stat.count += 1;
  stat.ms += ms;
  stats.set(key, stat);
};
/** A worker's poll that found no job: the queue waiting, not work of the requests counted. */
const idleClaim = (text: string, result: unknown) => /^\s*UPDATE jobs SET state = 'running'/.test(text) && (result as { rows?: unknown[] } | undefined)?.rows?.length === 0;
const timed = async <T>(text: string, work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  let result: T | undefined;
  try {
    result = await work();
    return result;
  } finally {
    if (!idleClaim(text.replace(/^\(tx\) /, ''), result)) record(text, performance.now() - started);
  }
};
const proto = PGlite.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
const query = proto.query!;
proto.query = function (this: unknown, text: unknown, ...rest: unknown[]) {
  return timed(String(text), () => query.call(this, text, ...rest));
};
// the hot queries run as named statements (src/db/pglite-named.ts), through the protocol API
const rawStream = proto.execProtocolRawStream!;
proto.execProtocolRawStream = function (this: unknown, message: unknown, ...rest: unknown[]) {
  return timed('(a named statement: the feed page, home or public page; src/db/pglite-named.ts)', () => rawStream.call(this, message, ...rest));
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
  ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8',
});
await seedTargets(config, { followers, tokenPrefix, remotes: [] });
const instance = await boot(config, { web: true, worker: { queues: ['default', 'push', 'mailers', 'pull', 'scheduler'], concurrency: 5 } }, { log: createLogger('warn') });
const url = instance.url!;
const auth = (username: string) => ({ authorization: `Bearer ${tokenPrefix}${username}` });
const drain = async () => {
  for (;;) {
    recording = false;
    const counts = await instance.ctx.queue.counts().finally(() => {
      recording = true;
    });
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
  report(`${name}: ${(elapsed / requests).toFixed(1)} ms per request${waitForJobs ? ' (its jobs included)' : ''}`, 'request');
}

function report(title: string, unit: string, shown = Number(values.shown ?? 18)) {
  const total = [...stats.values()].reduce((sum, s) => sum + s.count, 0);
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  console.log(`\n${title}, ${(total / requests).toFixed(1)} statements per ${unit}`);
  for (const [text, stat] of rows.slice(0, shown)) console.log(`${(stat.ms / requests).toFixed(2).padStart(8)} ms ${(stat.count / requests).toFixed(1).padStart(5)}×  ${text}`);
}

/** Signed Creates accepted by the web tier, then processed by a worker of the ingress queue started afterwards. */
async function profileInbound() {
  const remotes = await Promise.all([0, 1, 2].map(() => startFakeRemote()));
  const mention = { href: 'http://bench.test/users/tv1', name: '@tv1@bench.test' };
  const post = async (i: number) => {
    const remote = remotes[(i + remotes.length) % remotes.length]!;
    const { status } = await remote.postSigned(url, 'http://bench.test/inbox', inboundCreate(remote.actorId, i, mention));
    if (status !== 202) throw new Error(`inbound: HTTP ${status}`);
  };
  const work = () => instance.ctx.queue.work(['ingress'], jobRunner(instance.ctx), { concurrency: 1 });
  try {
    // warm-up: each sender's key fetched and account stored
    for (let i = -remotes.length; i < 0; i++) await post(i);
    let worker = work();
    await drain();
    await worker.close();
    // tv1 follows the senders, so each status reaches a home feed
    await instance.ctx.db.execute(sql`INSERT INTO follows (account_id, target_account_id) SELECT v.id, r.id FROM accounts v, accounts r WHERE v.username = 'tv1' AND r.domain IS NOT NULL`);
    stats = new Map();
    const started = performance.now();
    for (let i = 0; i < requests; i++) await post(i);
    report(`inbound Create accepted (202) by the web tier: ${((performance.now() - started) / requests).toFixed(1)} ms per activity`, 'accepted activity', 40);
    stats = new Map();
    const processing = performance.now();
    worker = work();
    await drain();
    report(`inbound Create processed by a worker: ${((performance.now() - processing) / requests).toFixed(1)} ms per activity (its jobs included)`, 'processed activity', 100);
    await worker.close();
  } finally {
    await Promise.all(remotes.map((remote) => remote.close()));
  }
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
  if (only.has('pages')) {
    for (const path of ['/', '/@ta1', '/@ta1.rss', '/tags/bench']) await profile(`GET ${path} (public page)`, () => fetch(`${url}${path}`, { headers: { accept: 'text/html' } }));
    const [latest] = (await (await fetch(`${url}/api/v1/timelines/public?limit=1`)).json()) as { url: string }[];
    if (latest) await profile('GET /@user/:id (public page)', () => fetch(`${url}${new URL(latest.url).pathname}`, { headers: { accept: 'text/html' } }));
  }
  if (only.has('fanout')) await profile(`POST /api/v1/statuses by an author with ${followers} followers, its jobs included`, post('tb0'), true);
  if (only.has('inbound')) await profileInbound();
} finally {
  await instance.close();
  rmSync(dataDir, { recursive: true, force: true });
}
