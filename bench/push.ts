/**
 * Web Push: how many push notifications per second the instance sends. Seeds N members who each
 * rang the bell (`notify`) on one poster's account and subscribed a device to `status` alerts, all
 * pushing to a local push service (bench/lib/push-sink.ts, a process of its own), then measures:
 *
 * 1. the push queue alone: N notifications and their N `Web::PushNotificationWorker` jobs are queued
 *    before the instance starts; pushes per second from the first arrival to the last;
 * 2. end to end: P posts, each making N `status` notifications (the bell) and N encrypted,
 *    VAPID-signed pushes; from the start of `POST /api/v1/statuses` to the last push.
 *
 * The instance runs in processes of its own: `subspace start` on a throwaway data dir (embedded,
 * seeded before it starts), or `subspace web` and `subspace worker` on PostgreSQL and Redis when
 * DATABASE_URL / REDIS_URL name an empty database. This process is only the client.
 *
 *   node bench/push.ts [--subscribers 1000] [--posts 3] [--concurrency 5]
 */
import { createECDH, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { baseUrl, loadConfig } from '../src/config/index.ts';
import { generateVapidKeys } from '../src/config/vapid.ts';
import { openBackends } from '../src/backends/index.ts';
import { queryRows } from '../src/db/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { enqueue } from '../src/jobs/enqueue.ts';
import { WebPushNotification } from '../src/jobs/definitions.ts';
import { seal } from '../src/lib/sealed-text.ts';
import { SEALED_TOKEN_PURPOSE } from '../src/services/notifications/web-push-subscriptions.ts';
import { ms, printTable } from './lib/load.ts';
import { benchEnvironment, ownPort, ServerProcess, stopAll } from './lib/server-process.ts';

const USAGE = `Usage: node bench/push.ts [--subscribers N] [--posts P] [--concurrency C]
  --subscribers  members with a subscribed device who rang the poster's bell (default 1000)
  --posts        posts timed, one after the other (default 3, after one warm-up post)
  --concurrency  jobs the instance's worker runs at once (default 5, SIDEKIQ_CONCURRENCY's default)`;

function whole(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${name} takes a whole number of at least 1`);
  return Number(value);
}

const { values } = parseArgs({ options: { subscribers: { type: 'string' }, posts: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const subscribers = whole(values.subscribers, 'subscribers', 1000);
const posts = whole(values.posts, 'posts', 3);
const concurrency = whole(values.concurrency, 'concurrency', 5);

const vapid = generateVapidKeys();
const { serverMode, dataDir, env } = benchEnvironment('push', concurrency, { VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_PUBLIC_KEY: vapid.publicKey });
const posterToken = `bp-${randomBytes(12).toString('base64url')}`;
const sink = new ServerProcess('push sink', [], env, undefined, { script: new URL('./lib/push-sink.ts', import.meta.url).pathname });
const children: ServerProcess[] = [sink];
const epoch = () => performance.timeOrigin + performance.now();

/** The members, their tokens, bells and subscriptions, in bulk before the instance starts. */
async function seed(origin: string) {
  const config = loadConfig({ ...env, PORT: '3000' });
  const database = await openDatabase(config);
  // one device's keys for every subscription: each push still gets its own ephemeral key and salt
  const device = createECDH('prime256v1');
  device.generateKeys();
  const tokens = Array.from({ length: subscribers }, (_, i) => `bs-${i}-${randomBytes(12).toString('base64url')}`);
  const sealed = tokens.map((token) => seal(config.secretKeyBase, SEALED_TOKEN_PURPOSE, token));
  try {
    await database.migrate();
    const db = database.db;
    const base = baseUrl(config);
    await db.execute(sql`
      INSERT INTO accounts (username, uri, url)
      SELECT name, ${base} || '/users/' || name, ${base} || '/@' || name
      FROM (SELECT 'poster' AS name UNION ALL SELECT 'subscriber' || g FROM generate_series(0, ${subscribers - 1}) g) names`);
    await db.execute(sql`INSERT INTO users (account_id, email, confirmed_at, current_sign_in_at) SELECT id, username || '@bench.test', now(), now() FROM accounts`);
    await db.execute(sql`
      INSERT INTO oauth_access_tokens (token_digest, user_id, scopes)
      SELECT encode(sha256(convert_to(t.token, 'UTF8')), 'hex'), u.id, 'read write push'
      FROM json_array_elements_text(${JSON.stringify([posterToken, ...tokens])}::json) WITH ORDINALITY AS t(token, n)
      JOIN accounts a ON a.username = CASE WHEN t.n = 1 THEN 'poster' ELSE 'subscriber' || (t.n - 2) END
      JOIN users u ON u.account_id = a.id`);
    await db.execute(sql`
      INSERT INTO follows (account_id, target_account_id, notify)
      SELECT s.id, p.id, true FROM accounts s, accounts p WHERE s.username LIKE 'subscriber%' AND p.username = 'poster'`);
    await db.execute(sql`UPDATE accounts SET followers_count = ${subscribers} WHERE username = 'poster'`);
    await db.execute(sql`
      INSERT INTO web_push_subscriptions (endpoint, key_p256dh, key_auth, standard, data, user_id, access_token_id, access_token_sealed)
      SELECT ${origin} || '/push/' || (s.n - 1), ${device.getPublicKey().toString('base64url')}, ${randomBytes(16).toString('base64url')}, true,
             '{"alerts": {"status": true}, "policy": "all"}'::jsonb, t.user_id, t.id, s.sealed
      FROM json_array_elements_text(${JSON.stringify(sealed)}::json) WITH ORDINALITY AS s(sealed, n)
      JOIN accounts a ON a.username = 'subscriber' || (s.n - 1)
      JOIN users u ON u.account_id = a.id
      JOIN oauth_access_tokens t ON t.user_id = u.id`);
    // part 1's backlog: a status of the poster's, a `status` notification of it for each member, and the push jobs
    await db.execute(sql`INSERT INTO statuses (account_id, text, content, visibility) SELECT id, 'Queued post', '<p>Queued post</p>', 'public' FROM accounts WHERE username = 'poster'`);
    const jobs = await queryRows<{ subscription_id: string; notification_id: string }>(
      db,
      sql`WITH made AS (
            INSERT INTO notifications (account_id, from_account_id, type, status_id)
            SELECT s.id, p.id, 'status', st.id FROM accounts s, accounts p JOIN statuses st ON st.account_id = p.id
            WHERE s.username LIKE 'subscriber%' AND p.username = 'poster'
            RETURNING id, account_id)
          SELECT w.id::text AS subscription_id, made.id::text AS notification_id
          FROM made JOIN users u ON u.account_id = made.account_id JOIN web_push_subscriptions w ON w.user_id = u.id`,
    );
    const backends = await openBackends(config, database);
    try {
      for (const job of jobs) await enqueue(backends, WebPushNotification, { subscriptionId: job.subscription_id, notificationId: job.notification_id });
    } finally {
      await backends.close();
    }
  } finally {
    await database.close();
  }
}

interface Arrivals {
  count: number;
  first: number;
  last: number;
  malformed: number;
}

/** Waits until the sink has had `count` pushes since its last reset. */
async function arrived(count: number, since: number): Promise<Arrivals> {
  for (;;) {
    const seen = (await sink.ask({ type: 'arrivals' })) as unknown as Arrivals;
    if (seen.count >= count) return seen;
    if (epoch() - since > 600_000) throw new Error(`after 10 minutes, ${count - seen.count} pushes are missing`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

try {
  await once(sink.child, 'message');
  const { origin } = (await sink.ask({ type: 'origin' })) as unknown as { origin: string };
  console.log(`Seeding ${subscribers} subscribers (${serverMode ? 'server' : 'embedded'} mode, worker concurrency ${concurrency})`);
  await seed(origin);
  if (serverMode) children.push(new ServerProcess('web', ['web'], env, ownPort()), new ServerProcess('worker', ['worker'], env));
  else children.push(new ServerProcess('subspace start', ['start'], env, ownPort()));
  const web = children[1]!;
  await web.waitUntilServing('/health');
  const queued = await arrived(subscribers, epoch());
  const queueRate = subscribers / ((queued.last - queued.first) / 1000);
  console.log(`\n1. ${subscribers} push jobs queued before the start: first to last push ${ms(queued.last - queued.first)}, ${queueRate.toFixed(0)} pushes per second`);
  if (queued.malformed > 0) console.log(`${queued.malformed} malformed requests`);

  const postOne = async (text: string) => {
    await sink.ask({ type: 'reset' });
    const started = epoch();
    const response = await fetch(new URL('/api/v1/statuses', web.url!), {
      method: 'POST',
      headers: { authorization: `Bearer ${posterToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: text, visibility: 'public' }),
    });
    if (response.status !== 200) throw new Error(`POST /api/v1/statuses answered ${response.status}: ${await response.text()}`);
    await response.body?.cancel();
    return { ...(await arrived(subscribers, started)), started };
  };

  await postOne('warm-up');
  console.log(`\n2. ${posts} posts, each notifying ${subscribers} bell-ringers and pushed to their devices; times from the start of the POST\n`);
  const rows: string[][] = [['post', 'first push', 'last push', 'pushes', 'pushes/s (first to last)', 'pushes/s (from the POST)']];
  const rates: number[] = [];
  for (let n = 1; n <= posts; n++) {
    const result = await postOne(`Benchmark post ${n}`);
    const spread = (result.last - result.first) / 1000;
    const rate = spread > 0 ? subscribers / spread : Number.NaN;
    rates.push(rate);
    rows.push([
      String(n),
      ms(result.first - result.started),
      ms(result.last - result.started),
      String(result.count),
      rate.toFixed(0),
      (subscribers / ((result.last - result.started) / 1000)).toFixed(0),
    ]);
    if (result.malformed > 0) console.log(`post ${n}: ${result.malformed} malformed requests`);
  }
  printTable(rows);
  const sorted = [...rates].sort((a, b) => a - b);
  console.log(`\nmedian, end to end: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} pushes per second (first to last)`);
} catch (error) {
  for (const child of children) console.error(`--- ${child.name} output ---\n${child.output().slice(-3000)}`);
  throw error;
} finally {
  await stopAll(children);
  rmSync(dataDir, { recursive: true, force: true });
}
