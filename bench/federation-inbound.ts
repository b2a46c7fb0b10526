/**
 * Inbound federation: how many signed `Create`s the instance takes per second at its shared inbox
 * (answered 202: signature checked, queued in `ingress`) and how many it processes per second (each
 * stored as a status, then fanned out to the home feed of the member who follows its author).
 *
 * S remote servers (the tests' fake remote, each on its own loopback address 127.0.0.2, 127.0.0.3, …,
 * with one actor and its own RSA key) run in a process of their own (bench/lib/remote-senders.ts),
 * are followed by one member, and sign N distinct public Notes beforehand (draft-cavage as Mastodon
 * signs, or RFC 9421), then POST them with C requests in flight. The instance runs in processes of
 * its own: `subspace start` on a throwaway data dir (embedded, seeded before it starts), or
 * `subspace web` and `subspace worker` on PostgreSQL and Redis when DATABASE_URL / REDIS_URL name an
 * empty database. The bench counts the stored statuses through the API (the senders' statuses_count).
 *
 * With `--separate`, a web process alone takes them (the accept rate without processing competing for
 * the CPU and the database), then closes (embedded) or stays (server), and one process works the
 * backlog off: `subspace start` (embedded: PGlite admits one process) or `subspace worker`.
 *
 *   node bench/federation-inbound.ts [--activities 1000] [--senders 10] [--connections 10] [--concurrency 5] [--spec draft-cavage|rfc9421] [--separate]
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { baseUrl, loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { ms, percentile, printTable } from './lib/load.ts';
import { benchEnvironment, ownPort, ServerProcess, stopAll } from './lib/server-process.ts';
import type { RemoteActor } from './lib/targets-seed.ts';

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

const { serverMode, dataDir, env } = benchEnvironment('inbound', concurrency);
const token = `fi-${randomBytes(12).toString('base64url')}`;
const addresses = Array.from({ length: senders }, (_, i) => `127.0.0.${2 + i}`);
const remotes = new ServerProcess('remote senders', addresses, env, undefined, { script: new URL('./lib/remote-senders.ts', import.meta.url).pathname });
const servers: ServerProcess[] = [];
const start = async (names: ('start' | 'web' | 'worker')[]) => {
  for (const name of names) servers.push(new ServerProcess(name === 'start' ? 'subspace start' : name, [name], env, name === 'worker' ? undefined : ownPort()));
  for (const server of servers) if (server.url) await server.waitUntilServing('/health');
};
const url = () => servers.find((server) => server.url && !server.exited)!.url!;
const headers = { authorization: `Bearer ${token}` };

try {
  await once(remotes.child, 'message');
  const { actors } = (await remotes.ask({ type: 'actors' })) as unknown as { actors: RemoteActor[] };
  const config = loadConfig({ ...env, PORT: '3000' });
  const database = await openDatabase(config);
  try {
    await database.migrate();
    const db = database.db;
    const base = baseUrl(config);
    await db.execute(sql`INSERT INTO accounts (username, uri, url) VALUES ('reader', ${base} || '/users/reader', ${base} || '/@reader')`);
    await db.execute(sql`INSERT INTO users (account_id, email, confirmed_at, current_sign_in_at) SELECT id, 'reader@bench.test', now(), now() FROM accounts WHERE username = 'reader'`);
    await db.execute(sql`INSERT INTO oauth_access_tokens (token_digest, user_id, scopes) SELECT encode(sha256(convert_to(${token}, 'UTF8')), 'hex'), u.id, 'read write' FROM users u`);
    for (const remote of actors) {
      await db.execute(sql`
        INSERT INTO accounts (username, domain, uri, url, inbox_url, shared_inbox_url, public_key_pem, protocol, actor_type, last_webfingered_at)
        VALUES ('bob', ${remote.host}, ${remote.actorId}, ${remote.actorId}, ${remote.inbox ?? null}, ${remote.sharedInbox ?? null},
                ${remote.publicKeyPem ?? ''}, 'activitypub', 'Person', now())`);
    }
    // the member follows every sender, so what they post concerns this instance
    await db.execute(sql`INSERT INTO follows (account_id, target_account_id) SELECT r.id, s.id FROM accounts r, accounts s WHERE r.username = 'reader' AND r.domain IS NULL AND s.domain IS NOT NULL`);
  } finally {
    await database.close();
  }
  await start(separate ? ['web'] : serverMode ? ['web', 'worker'] : ['start']);
  console.log(
    `${activities} signed Creates (${spec}) from ${senders} servers to the shared inbox, ${connections} in flight; ${serverMode ? 'server' : 'embedded'} mode, ${separate ? 'a web process, then a worker' : 'web and worker together'}, worker concurrency ${concurrency}`,
  );

  const ids: string[] = [];
  for (const actor of actors) ids.push(((await (await fetch(`${url()}/api/v1/accounts/lookup?acct=bob@${actor.host}`, { headers })).json()) as { id: string }).id);
  const stored = async () => {
    let sum = 0;
    for (const id of ids) sum += ((await (await fetch(`${url()}/api/v1/accounts/${id}`, { headers })).json()) as { statuses_count: number }).statuses_count;
    return sum;
  };
  // warm-up: one Create per sender, so each key is fetched and cached
  await remotes.ask({ type: 'send', url: url(), count: senders, first: -senders, connections: 1, spec });
  if (!separate) while ((await stored()) < senders) await sleep(50);
  const baseline = separate ? 0 : senders;
  const expected = separate ? activities + senders : activities;

  let started = performance.now();
  const sent = (await remotes.ask({ type: 'send', url: url(), count: activities, first: 0, connections, spec })) as unknown as {
    seconds: number;
    latencies: number[];
    statuses: Record<string, number>;
  };
  const acceptedAt = performance.now() - started;
  const storedWhenAccepted = separate ? 0 : (await stored()) - baseline;
  if (separate) {
    // one process works the backlog off (the warm-ups too)
    if (serverMode) await start(['worker']);
    else {
      await stopAll(servers.splice(0));
      await start(['start']);
    }
    started = performance.now();
  }
  let count = 0;
  const deadline = performance.now() + 600_000;
  while ((count = (await stored()) - baseline) < expected) {
    if (performance.now() > deadline) throw new Error(`after 10 minutes, ${count} of ${expected} stored`);
    // S light requests a round, twice a second: more would compete with the work measured
    await sleep(500);
  }
  const storedAt = performance.now() - started;

  const sorted = sent.latencies.sort((a, b) => a - b);
  const accepted = sent.statuses['202'] ?? 0;
  const since = separate ? ' (from the worker’s start)' : '';
  console.log();
  printTable([
    ['', 'time', 'per second'],
    [`accepted (202), ${accepted} of ${activities}`, ms(acceptedAt), (accepted / (acceptedAt / 1000)).toFixed(1)],
    [`stored as statuses${since}, ${expected}`, ms(storedAt), (expected / (storedAt / 1000)).toFixed(1)],
  ]);
  console.log(`\nPOST latency p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1]!)}`);
  if (!separate) console.log(`when the last POST was answered: ${storedWhenAccepted} stored`);
  const refused = Object.entries(sent.statuses).filter(([status]) => status !== '202');
  if (refused.length > 0) {
    console.log(`not accepted: ${refused.map(([status, n]) => `${n} × ${status}`).join(', ')}`);
    process.exitCode = 1;
  }
} catch (error) {
  for (const server of servers) console.error(`--- ${server.name} output ---\n${server.output().slice(-3000)}`);
  throw error;
} finally {
  await stopAll([...servers, remotes]);
  rmSync(dataDir, { recursive: true, force: true });
}
