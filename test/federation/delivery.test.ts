import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { sidekiqBackoff } from '../../src/backends/queue/index.ts';
import { accounts, follows, pendingDistributions, unavailableDomains } from '../../src/db/schema.ts';
import { DELIVERY_RETRIES, FAILURE_DAYS_THRESHOLD, PERMANENT_FAILURE_STATUS_CODES, failureDays, trackDeliveryFailure } from '../../src/federation/delivery-failures.ts';
import { withFederation } from '../../src/federation/federation.ts';
import { findLocalStatus, statusActivities } from '../../src/federation/statuses.ts';
import { Distribution } from '../../src/jobs/definitions.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { redistributeStale } from '../../src/services/feeds/pending-distributions.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { interceptEnqueue } from '../helpers/queue-intercept.ts';

const DAY_MS = 24 * 3600 * 1000;

interface Received {
  path: string;
  signed: boolean;
  /** how it was signed: `draft-cavage` (a Signature header alone) or `rfc9421` (with Signature-Input) */
  spec?: 'draft-cavage' | 'rfc9421';
  body: any;
}

/**
 * A remote server's inboxes on loopback: `/<code>/inbox` answers `code`, `/retry-after/inbox` 429 with
 * `Retry-After: 0`, `/down-once/inbox` 503 to its first request only, anything else `answer` (202 unless changed).
 */
interface Sink {
  origin: string;
  host: string;
  received: Received[];
  answer: number;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const received: Received[] = [];
  const sink = { received, answer: 202 } as Sink;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://sink').pathname;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON
      }
      const spec = req.headers['signature-input'] ? 'rfc9421' : req.headers.signature ? 'draft-cavage' : undefined;
      received.push({ path, signed: spec !== undefined, spec, body: parsed });
      if (path.startsWith('/down-once/') && !received.slice(0, -1).some((entry) => entry.path === path)) {
        res.writeHead(503).end();
        return;
      }
      if (path.startsWith('/retry-after/')) {
        res.writeHead(429, { 'retry-after': '0' }).end();
        return;
      }
      const code = Number(path.match(/^\/(\d{3})\//)?.[1] ?? sink.answer);
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.origin = `http://${sink.host}`;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}

describe('outbound delivery: retries, unavailable domains, no empty push jobs, the outbox', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let remote: FakeRemote;
  const sinks: Sink[] = [];
  /** names (and status ids) of the jobs enqueued since the instance started */
  const enqueued: { name: string; data: any }[] = [];
  let queueDown = false;
  let remoteN = 0;

  const sink = async () => {
    const started = await startSink();
    sinks.push(started);
    return started;
  };

  /** A remote account on `server` (shared inbox `/inbox`) following `local`. */
  const remoteFollower = async (server: { origin: string; host: string }, local: TestUser) => {
    const username = `remote${++remoteN}`;
    const [row] = await instance.ctx.db
      .insert(accounts)
      .values({
        username,
        domain: server.host,
        uri: `${server.origin}/users/${username}`,
        url: `${server.origin}/@${username}`,
        inboxUrl: `${server.origin}/users/${username}/inbox`,
        sharedInboxUrl: `${server.origin}/inbox`,
      })
      .returning({ id: accounts.id });
    await instance.ctx.db.insert(follows).values({ accountId: row!.id, targetAccountId: local.accountId });
    return row!.id;
  };

  const post = async (user: TestUser, json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: user.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string; uri: string };
  };

  /** Waits for a status's Distribution job to be done (its pending row gone) and the push queue to be empty. */
  const settled = async (statusId: string) => {
    const pushLeft = 0;
    await until(async () => (await instance.ctx.db.select().from(pendingDistributions).where(eq(pendingDistributions.statusId, statusId))).length === 0, 'the fan-out');
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.default === 0 && counts.push === pushLeft;
    }, `the push queue to settle at ${pushLeft}`);
  };

  const pushJobsFor = (statusId: string) => enqueued.filter((job) => job.name === 'ActivityPub::DistributionWorker' && job.data?.statusId === statusId);

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    interceptEnqueue(instance.ctx.queue, async (original, queueName, name, data, options) => {
      if (queueDown) throw new Error('the queue is away');
      enqueued.push({ name, data });
      return original(queueName, name, data, options);
    });
  });
  after(async () => {
    await instance.close();
    await remote.close();
    for (const started of sinks) await started.close();
  });

  it('Mastodon’s permanent failures: a 4xx other than 401, 408 and 429, and 501', () => {
    for (const code of [400, 403, 404, 410, 422, 501]) assert.ok(PERMANENT_FAILURE_STATUS_CODES.includes(code), `${code}`);
    for (const code of [401, 408, 429, 500, 502, 503, 504]) assert.ok(!PERMANENT_FAILURE_STATUS_CODES.includes(code), `${code}`);
  });

  it('a permanent failure ends the delivery at once; other failures are tried 17 times, then given up', async () => {
    // the test instance's queue retries after 50 ms instead of Sidekiq's backoff
    const server = await sink();
    const permanent = [400, 403, 404, 410, 501];
    const retried = [401, 408, 429, 500, 503];
    const posted = await post(alice, { status: 'to servers that fail' });
    await settled(posted.id);
    const inbox = (code: number) => `${server.origin}/${code}/inbox`;
    await withFederation(instance.ctx, async (fctx) => {
      const [activity] = await statusActivities(fctx, [(await findLocalStatus(instance.ctx, 'users/alice', posted.id))!]);
      for (const code of [...permanent, ...retried]) {
        await fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(`${server.origin}/${code}/users/x`), inboxId: new URL(inbox(code)) }, activity!);
      }
    });
    const dead = await until(async () => {
      const jobs = (await instance.ctx.queue.deadJobs('push')).filter((job) => (job.data as { inbox?: string }).inbox?.startsWith(server.origin));
      return jobs.length === retried.length && jobs;
    }, 'the failing deliveries to be given up');
    assert.deepEqual(dead.map((job) => (job.data as { inbox: string }).inbox).sort(), retried.map(inbox).sort());
    for (const job of dead) {
      assert.equal(job.name, 'ActivityPub::DeliveryWorker');
      assert.equal(job.attempt, DELIVERY_RETRIES + 1, 'tried 17 times');
    }
    await settled(posted.id);
    const tries = (code: number) => server.received.filter((entry) => entry.path === `/${code}/inbox`).length;
    // one try each (Fedify knocks twice: draft-cavage, then RFC 9421 signatures)
    for (const code of permanent) assert.ok(tries(code) >= 1 && tries(code) <= 2, `${code}: ${tries(code)} requests`);
    for (const code of retried) assert.ok(tries(code) >= DELIVERY_RETRIES + 1, `${code}: ${tries(code)} requests`);
    assert.ok(
      server.received.every((entry) => entry.signed),
      'every try is signed',
    );
  });

  it('a server that answers 429 with Retry-After is tried again when it asks, 17 times at most', async () => {
    const server = await sink();
    const posted = await post(alice, { status: 'to a busy server' });
    await settled(posted.id);
    await withFederation(instance.ctx, async (fctx) => {
      const [activity] = await statusActivities(fctx, [(await findLocalStatus(instance.ctx, 'users/alice', posted.id))!]);
      await fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(`${server.origin}/retry-after/users/x`), inboxId: new URL(`${server.origin}/retry-after/inbox`) }, activity!);
    });
    await until(
      async () =>
        server.received.length > 0 && enqueued.filter((job) => job.name === 'ActivityPub::DeliveryWorker' && job.data?.inbox === `${server.origin}/retry-after/inbox`).length === DELIVERY_RETRIES + 1,
      'the retries Fedify makes',
    );
    await settled(posted.id);
    await queuesDrained(instance);
    // each try knocks twice (draft-cavage, then RFC 9421 signatures)
    const tries = server.received.length;
    assert.ok(tries >= DELIVERY_RETRIES + 1 && tries <= 2 * (DELIVERY_RETRIES + 1), `${tries} requests`);
    assert.deepEqual(
      (await instance.ctx.queue.deadJobs('push')).filter((job) => (job.data as { inbox?: string }).inbox?.startsWith(server.origin)),
      [],
    );
  });

  it('the retries wait as Sidekiq does: (count ** 4) + 15 + rand(10) * (count + 1) seconds, over two days in all', () => {
    let least = 0;
    for (let attempt = 1; attempt <= DELIVERY_RETRIES; attempt++) {
      const count = attempt - 1;
      const delay = sidekiqBackoff(attempt) / 1000;
      assert.ok(delay >= count ** 4 + 15 && delay <= count ** 4 + 15 + 9 * (count + 1), `retry ${attempt}: ${delay} s`);
      // from the fourth retry on, the shortest wait is longer than the longest one before
      if (attempt >= 4) assert.ok(count ** 4 + 15 > (count - 1) ** 4 + 15 + 9 * count, 'the delays grow');
      least += count ** 4 + 15;
    }
    assert.ok(least > 2 * 24 * 3600, `${least} s`);
  });

  it('a post reaching no other server makes no push job; one with a remote follower is delivered once per server', async () => {
    const carol = await instance.createUser('carol');
    const dave = await instance.createUser('dave');
    await instance.ctx.db.insert(follows).values({ accountId: dave.accountId, targetAccountId: carol.accountId });
    const local = await post(carol, { status: 'only local followers' });
    const direct = await post(carol, { status: '@dave just us', visibility: 'direct' });
    await settled(local.id);
    await settled(direct.id);
    assert.deepEqual(pushJobsFor(local.id), []);
    assert.deepEqual(pushJobsFor(direct.id), []);
    // an edit and a deletion of it do not make one either
    const edited = await instance.request('PUT', `/api/v1/statuses/${local.id}`, { token: carol.token, json: { status: 'still only local' } });
    assert.equal(edited.status, 200, edited.text);
    assert.equal((await instance.request('DELETE', `/api/v1/statuses/${local.id}`, { token: carol.token })).status, 200);
    await queuesDrained(instance);
    assert.deepEqual(pushJobsFor(local.id), []);

    const server = await sink();
    const erin = await instance.createUser('erin');
    await remoteFollower(server, erin);
    await remoteFollower(server, erin);
    const posted = await post(erin, { status: 'hello, two followers on one server' });
    const create = await until(async () => server.received.find((entry) => entry.body?.type === 'Create' && entry.body.object?.id === posted.uri), 'the Create');
    assert.equal(create.path, '/inbox', 'the shared inbox');
    assert.ok(create.signed);
    await settled(posted.id);
    assert.equal(pushJobsFor(posted.id).length, 1);
    assert.equal(server.received.filter((entry) => entry.body?.object?.id === posted.uri).length, 1, 'one request for the server');
  });

  it('a post made while the queue is away reaches other servers once the queue is back (the pending_distributions outbox)', async () => {
    const server = await sink();
    const frank = await instance.createUser('frank');
    await remoteFollower(server, frank);
    queueDown = true;
    let posted: Awaited<ReturnType<typeof post>> | undefined;
    try {
      posted = await post(frank, { status: 'posted while the queue is away' });
    } finally {
      queueDown = false;
    }
    assert.equal((await instance.ctx.db.select().from(pendingDistributions).where(eq(pendingDistributions.statusId, posted.id))).length, 1, 'still pending');
    await queuesDrained(instance);
    assert.equal(server.received.length, 0);
    // the scheduler's sweep (Scheduler::PendingDistributionsScheduler) finds it
    assert.equal(await redistributeStale(instance.ctx, 0), 1);
    await until(async () => server.received.find((entry) => entry.body?.type === 'Create' && entry.body.object?.id === posted.uri), 'the Create');
    await settled(posted.id);
    // a Distribution job run again once the fan-out is done sends nothing twice
    await enqueue(instance.ctx, Distribution, { statusId: posted.id });
    await until(async () => (await instance.ctx.queue.counts()).default === 0, 'the second fan-out');
    await queuesDrained(instance);
    assert.equal(pushJobsFor(posted.id).length, 1);
    assert.equal(server.received.filter((entry) => entry.body?.object?.id === posted.uri).length, 1, 'delivered once');
  });

  it('failures on 7 distinct days make a domain unavailable: nothing more is enqueued or sent to it', async () => {
    const server = await sink();
    server.answer = 503;
    const gina = await instance.createUser('gina');
    await remoteFollower(server, gina);
    for (let daysAgo = FAILURE_DAYS_THRESHOLD - 1; daysAgo >= 1; daysAgo--) await trackDeliveryFailure(instance.ctx, server.host, new Date(Date.now() - daysAgo * DAY_MS));
    assert.equal((await failureDays(instance.ctx, server.host)).length, FAILURE_DAYS_THRESHOLD - 1);
    // failing again on a day already counted changes nothing
    await trackDeliveryFailure(instance.ctx, server.host, new Date(Date.now() - DAY_MS));
    assert.equal((await instance.ctx.db.select().from(unavailableDomains).where(eq(unavailableDomains.domain, server.host))).length, 0);

    const first = await post(gina, { status: 'the seventh day' });
    const firstTries = () => server.received.filter((entry) => entry.body?.object?.id === first.uri).length;
    await until(async () => server.received.some((entry) => entry.body?.object?.id === first.uri), 'a try');
    await until(async () => (await instance.ctx.db.select().from(unavailableDomains).where(eq(unavailableDomains.domain, server.host))).length === 1, 'the domain to become unavailable');
    assert.equal((await failureDays(instance.ctx, server.host)).length, FAILURE_DAYS_THRESHOLD);
    // its next tries are not made: the job ends
    await settled(first.id);

    assert.ok(firstTries() <= 2, `one try (knocking twice), then none: the tries stop once the domain is unavailable (${firstTries()} requests)`);
    assert.deepEqual(
      (await instance.ctx.queue.deadJobs('push')).filter((job) => (job.data as { inbox?: string }).inbox?.startsWith(server.origin)),
      [],
    );
    const tries = server.received.length;
    const deliveriesBefore = enqueued.filter((job) => job.name === 'ActivityPub::DeliveryWorker').length;
    const second = await post(gina, { status: 'nobody there' });
    await until(async () => pushJobsFor(second.id).length === 1, 'the push job');
    await settled(second.id);
    assert.equal(enqueued.filter((job) => job.name === 'ActivityPub::DeliveryWorker').length, deliveriesBefore, 'no delivery enqueued');
    await queuesDrained(instance);
    assert.equal(server.received.length, tries, 'nothing sent');
  });

  it('an unavailable domain that sends an activity is available again, and deliveries to it resume', async () => {
    const holly = await instance.createUser('holly');
    for (let daysAgo = FAILURE_DAYS_THRESHOLD; daysAgo >= 1; daysAgo--) await trackDeliveryFailure(instance.ctx, remote.host, new Date(Date.now() - daysAgo * DAY_MS));
    assert.equal((await instance.ctx.db.select().from(unavailableDomains).where(eq(unavailableDomains.domain, remote.host))).length, 1);
    // bob follows holly: the Follow comes in, and the Accept goes out
    const response = await remote.postSigned(instance.url, `${BASE}/users/holly/inbox`, {
      '@context': AS,
      id: `${remote.origin}/follows/holly`,
      type: 'Follow',
      actor: remote.actorId,
      object: `${BASE}/users/holly`,
    });
    assert.equal(response.status, 202, response.text);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    assert.equal((await instance.ctx.db.select().from(unavailableDomains).where(eq(unavailableDomains.domain, remote.host))).length, 0);
    assert.deepEqual(await failureDays(instance.ctx, remote.host), []);
    const posted = await post(holly, { status: 'welcome back' });
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Create' && entry.body.object?.id === posted.uri), 'the Create');
  });

  it('signs a delivery to a server it does not know with draft-cavage first, as Mastodon does', async () => {
    const server = await sink();
    const judy = await instance.createUser('judy');
    await remoteFollower(server, judy);
    const posted = await post(judy, { status: 'signed as Mastodon signs' });
    const delivered = await until(async () => server.received.find((entry) => entry.body?.object?.id === posted.uri), 'the delivery');
    assert.equal(delivered.spec, 'draft-cavage');
    await settled(posted.id);
    assert.equal(server.received.filter((entry) => entry.body?.object?.id === posted.uri).length, 1, 'taken at the first knock: no second one');
  });

  it('a server down for the first knock has not refused draft-cavage: the next delivery is signed draft-cavage again', async () => {
    const server = await sink();
    const inbox = `${server.origin}/down-once/inbox`;
    const send = async (text: string) => {
      const posted = await post(alice, { status: text });
      await settled(posted.id);
      await withFederation(instance.ctx, async (fctx) => {
        const [activity] = await statusActivities(fctx, [(await findLocalStatus(instance.ctx, 'users/alice', posted.id))!]);
        await fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(`${server.origin}/down-once/users/x`), inboxId: new URL(inbox) }, activity!);
      });
      return until(async () => {
        const tries = server.received.filter((entry) => entry.body?.object?.id === posted.uri);
        return tries.at(-1)?.spec !== undefined && (await instance.ctx.queue.counts()).push === 0 && tries;
      }, `the delivery of ${text}`);
    };
    const first = await send('while the server restarts');
    assert.deepEqual(
      first.map((entry) => entry.spec),
      ['draft-cavage', 'rfc9421'],
      'a 503, then RFC 9421 taken',
    );
    const second = await send('once it is back');
    assert.deepEqual(
      second.map((entry) => entry.spec),
      ['draft-cavage'],
    );
  });

  it('logs every delivery at debug and a failed one at warn, naming the inbox’s host and the status it answered', async () => {
    const server = await sink();
    const lines: { level: string; fields: any; message: string }[] = [];
    const log = instance.ctx.log;
    const { warn, debug } = log;
    const capture = (level: string, original: typeof warn) =>
      ((fields: any, message?: string) => {
        lines.push({ level, fields, message: message ?? '' });
        original.call(log, fields, message);
      }) as typeof warn;
    log.warn = capture('warn', warn);
    log.debug = capture('debug', debug);
    try {
      const posted = await post(alice, { status: 'to be refused' });
      await settled(posted.id);
      await withFederation(instance.ctx, async (fctx) => {
        const [activity] = await statusActivities(fctx, [(await findLocalStatus(instance.ctx, 'users/alice', posted.id))!]);
        await fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(`${server.origin}/410/users/x`), inboxId: new URL(`${server.origin}/410/inbox`) }, activity!);
        await fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(`${server.origin}/users/y`), inboxId: new URL(`${server.origin}/inbox`) }, activity!);
      });
      const failed = await until(async () => lines.find((line) => line.level === 'warn' && line.fields?.inbox === `${server.origin}/410/inbox`), 'the warning');
      assert.match(failed.message, new RegExp(`${server.host}.*410`));
      assert.deepEqual(
        { ...failed.fields, ms: typeof failed.fields.ms },
        { host: server.host, inbox: `${server.origin}/410/inbox`, status: 410, ms: 'number', activityType: 'Create', activity: `${posted.uri}/activity`, err: undefined },
      );
      const delivered = await until(async () => lines.find((line) => line.level === 'debug' && line.fields?.inbox === `${server.origin}/inbox`), 'the debug line');
      assert.equal(delivered.fields.status, 202);
      assert.equal(delivered.fields.activityType, 'Create');
      assert.match(delivered.message, new RegExp(`delivered Create to ${server.host}`));
      assert.ok(!lines.some((line) => line.level === 'warn' && line.fields?.inbox === `${server.origin}/inbox`), 'a delivery that succeeded is no warning');
      // once its job is done (a 410 is not tried again), the failed try was logged once, not again by Fedify
      await queuesDrained(instance);
      const aboutTheFailure = lines.filter((line) => line.level === 'warn' && (line.fields?.inbox === `${server.origin}/410/inbox` || line.message.includes(`${server.origin}/410/inbox`)));
      assert.equal(aboutTheFailure.length, 1, JSON.stringify(aboutTheFailure));
    } finally {
      log.warn = warn;
      log.debug = debug;
    }
  });

  it('a successful delivery forgets the failing days', async () => {
    const server = await sink();
    const ivan = await instance.createUser('ivan');
    await remoteFollower(server, ivan);
    for (let daysAgo = 3; daysAgo >= 1; daysAgo--) await trackDeliveryFailure(instance.ctx, server.host, new Date(Date.now() - daysAgo * DAY_MS));
    const posted = await post(ivan, { status: 'it works again' });
    await until(async () => server.received.some((entry) => entry.body?.object?.id === posted.uri), 'the delivery');
    await until(async () => (await failureDays(instance.ctx, server.host)).length === 0, 'the failing days to be forgotten');
  });
});
