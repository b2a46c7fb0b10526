/**
 * Inbound federation: how many signed `Create`s the instance takes per second at its shared inbox
 * (answered 202: signature checked, queued in `ingress`) and how many it processes per second (each
 * stored as a status, then fanned out to the home feed of the member who follows its author).
 *
 * S remote servers (the tests' fake remote, each on its own loopback address 127.0.0.2, 127.0.0.3, …,
 * with one actor and its own RSA key) are followed by one member; N distinct public Notes, spread
 * over them, are signed beforehand (draft-cavage as Mastodon signs, or RFC 9421), then POSTed with
 * C requests in flight. It starts its own instance in this process (embedded on a throwaway data
 * dir, or on PostgreSQL and Redis when DATABASE_URL / REDIS_URL name an empty database), with a
 * worker serving every queue while the POSTs arrive.
 *
 * With `--separate`, a web process alone takes them (the accept rate without processing competing for
 * the CPU and the database), then closes, and a worker alone processes the backlog.
 *
 *   node bench/federation-inbound.ts [--activities 1000] [--senders 10] [--connections 10] [--concurrency 5] [--spec draft-cavage|rfc9421] [--separate]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { follows, statuses } from '../src/db/schema.ts';
import { createLogger } from '../src/lib/logger.ts';
import { jobRunner } from '../src/jobs/handlers.ts';
import type { QueueName } from '../src/backends/queue/index.ts';
import { boot } from '../src/roles/boot.ts';
import { createLocalAccount } from '../src/services/create-account.ts';
import { issueToken } from '../src/services/oauth/tokens.ts';
import { startFakeRemote, type FakeRemote, type SignedRequest } from '../test/helpers/fake-remote.ts';
import { ms, percentile, printTable } from './lib/load.ts';

const USAGE = `Usage: node bench/federation-inbound.ts [--activities N] [--senders S] [--connections C] [--concurrency W] [--spec draft-cavage|rfc9421] [--separate]
  --activities   signed Creates POSTed to the shared inbox (default 1000, after one warm-up per sender)
  --senders      remote servers they come from, one actor and key each (default 10, at most 250)
  --connections  POSTs in flight at once (default 10)
  --concurrency  jobs the instance's worker runs at once (default 5, SIDEKIQ_CONCURRENCY's default)
  --spec         how the remotes sign: draft-cavage (default, as Mastodon) or rfc9421
  --separate     accept with a web process alone, then process the backlog with a worker alone`;

function whole(value: string | undefined, name: string, fallback: number, least = 1): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < least) throw new Error(`--${name} takes a whole number of at least ${least}`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    activities: { type: 'string' },
    senders: { type: 'string' },
    connections: { type: 'string' },
    concurrency: { type: 'string' },
    spec: { type: 'string' },
    separate: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const activities = whole(values.activities, 'activities', 1000);
const senders = whole(values.senders, 'senders', 10);
const connections = whole(values.connections, 'connections', 10);
const concurrency = whole(values.concurrency, 'concurrency', 5);
const spec = values.spec ?? 'draft-cavage';
if (spec !== 'draft-cavage' && spec !== 'rfc9421') throw new Error('--spec is draft-cavage or rfc9421');
if (senders > 250) throw new Error('--senders is at most 250');
const separate = values.separate ?? false;

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;
const LOCAL_DOMAIN = 'bench.test';
const SHARED_INBOX = `http://${LOCAL_DOMAIN}/inbox`;

function createOf(remote: FakeRemote, n: number) {
  const id = `${remote.actorId}/statuses/bench-${n}`;
  const published = new Date().toISOString();
  const audience = { to: [PUBLIC], cc: [`${remote.actorId}/followers`] };
  return {
    '@context': AS,
    id: `${id}/activity`,
    type: 'Create',
    actor: remote.actorId,
    published,
    ...audience,
    object: { id, type: 'Note', attributedTo: remote.actorId, content: `<p>Inbound benchmark note ${n}, with a <a href="https://example.com/">link</a> and #bench</p>`, published, url: id, ...audience, tag: [{ type: 'Hashtag', name: '#bench', href: 'https://example.com/tags/bench' }] },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });
/** POSTs a signed request as it is (node:http: fetch would replace the signed Host header). */
function send(url: string, request: SignedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(request.path, url), { method: 'POST', headers: request.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

const embedded = !process.env.DATABASE_URL && !process.env.DB_HOST;
const dataDir = process.env.SUBSPACE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'subspace-bench-'));
const config = loadConfig({
  LOG_LEVEL: 'warn',
  ...process.env,
  LOCAL_DOMAIN,
  LOCAL_HTTPS: 'false',
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
const remotes = await Promise.all(Array.from({ length: senders }, (_, i) => startFakeRemote({ address: `127.0.0.${2 + i}` })));
const WORKER = { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'] as QueueName[], concurrency };
let instance = await boot(config, separate ? { web: true } : { web: true, worker: WORKER }, { log: createLogger('warn') });
const url = instance.url!;
const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));
const queued = async () => Object.values(await instance.ctx.queue.counts()).reduce((sum, count) => sum + count, 0);
let senderIds: string[] = [];
const storedCount = async () => {
  const [row] = await instance.ctx.db.select({ count: sql<number>`count(*)::int` }).from(statuses).where(and(inArray(statuses.accountId, senderIds), eq(statuses.local, false)));
  return row!.count;
};

try {
  console.log(`${activities} signed Creates (${spec}) from ${senders} servers to the shared inbox, ${connections} in flight; ${embedded ? 'embedded' : 'server'} mode, ${separate ? 'a web process, then a worker' : 'web and worker in one process'}, worker concurrency ${concurrency}`);
  const { user, account } = await createLocalAccount(instance.ctx, { username: 'reader', email: 'reader@bench.test', password: 'bench password', confirmed: true, role: null, allowReserved: true });
  const token = (await issueToken(instance.ctx, { applicationId: null, userId: user.id, scopes: ['read', 'write'] })).accessToken;
  // the member follows every sender, so what they post concerns this instance
  for (const remote of remotes) {
    const response = await fetch(new URL(`/api/v2/search?q=@${remote.handle}&resolve=true&type=accounts`, url), { headers: { authorization: `Bearer ${token}` } });
    const found = (await response.json()) as { accounts: { id: string }[] };
    if (!found.accounts?.[0]) throw new Error(`could not resolve ${remote.handle}`);
    senderIds.push(found.accounts[0].id);
  }
  await instance.ctx.db.insert(follows).values(senderIds.map((targetAccountId) => ({ accountId: account.id, targetAccountId })));

  // warm-up: one Create per sender, so each key is fetched and cached
  for (const [i, remote] of remotes.entries()) {
    const status = await send(url, await remote.sign(SHARED_INBOX, createOf(remote, -1 - i), { spec }));
    if (status !== 202) throw new Error(`warm-up Create answered ${status}`);
  }
  if (!separate) while ((await storedCount()) < senders || (await queued()) > 0) await sleep(20);
  const baseline = separate ? 0 : await storedCount();
  const expected = separate ? activities + senders : activities;

  console.log('signing…');
  const requests: SignedRequest[] = [];
  for (let n = 0; n < activities; n++) {
    const remote = remotes[n % senders]!;
    requests.push(await remote.sign(SHARED_INBOX, createOf(remote, n), { spec }));
  }

  const latencies: number[] = [];
  const refused = new Map<number, number>();
  let nextIndex = 0;
  let started = performance.now();
  const loop = async () => {
    while (nextIndex < requests.length) {
      const request = requests[nextIndex++]!;
      const begin = performance.now();
      const status = await send(url, request);
      latencies.push(performance.now() - begin);
      if (status !== 202) refused.set(status, (refused.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const acceptedAt = performance.now() - started;
  const storedWhenAccepted = (await storedCount()) - baseline;
  const backlog = (await instance.ctx.queue.counts()).ingress;
  if (separate) {
    // the web process goes; a worker alone takes the backlog (warm-ups included)
    await instance.close();
    instance = await boot(config, {}, { log: createLogger('warn') });
    started = performance.now();
    const worker = instance.ctx.queue.work(WORKER.queues, jobRunner(instance.ctx), { concurrency });
    const close = instance.close;
    instance.close = async () => {
      await worker.close();
      await close();
    };
  }
  let storedAt = NaN;
  const deadline = performance.now() + 600_000;
  for (;;) {
    const stored = (await storedCount()) - baseline;
    if (Number.isNaN(storedAt) && stored >= expected) storedAt = performance.now() - started;
    if (!Number.isNaN(storedAt) && (await queued()) === 0) break;
    if (performance.now() > deadline) throw new Error(`after 10 minutes, ${stored} of ${expected} stored`);
    await sleep(10);
  }
  const drainedAt = performance.now() - started;
  const [newest] = await instance.ctx.db.select({ uri: statuses.uri }).from(statuses).where(inArray(statuses.accountId, senderIds)).orderBy(desc(statuses.id)).limit(1);

  const sorted = latencies.sort((a, b) => a - b);
  const accepted = activities - [...refused.values()].reduce((sum, count) => sum + count, 0);
  const since = separate ? ' (from the worker’s start)' : '';
  console.log();
  printTable([
    ['', 'time', 'per second'],
    [`accepted (202), ${accepted} of ${activities}`, ms(acceptedAt), (accepted / (acceptedAt / 1000)).toFixed(1)],
    [`stored as statuses${since}, ${expected}`, ms(storedAt), (expected / (storedAt / 1000)).toFixed(1)],
    [`every queue drained (home feed fan-out too)${since}`, ms(drainedAt), (expected / (drainedAt / 1000)).toFixed(1)],
  ]);
  console.log(`\nPOST latency p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1]!)}`);
  console.log(`when the last POST was answered: ${storedWhenAccepted} stored, ${backlog} waiting in ingress`);
  if (refused.size > 0) console.log(`not accepted: ${[...refused].map(([status, count]) => `${count} × ${status}`).join(', ')}`);
  if (!newest?.uri?.includes('/statuses/bench-')) console.log('the newest status is not a benchmark note');
  if (refused.size > 0) process.exitCode = 1;
} finally {
  agent.destroy();
  await instance.close();
  await Promise.all(remotes.map((remote) => remote.close()));
  if (!process.env.SUBSPACE_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
}
