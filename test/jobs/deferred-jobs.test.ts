import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { EnqueueOptions } from '../../src/backends/queue/index.ts';
import { deferredJobs, follows } from '../../src/db/schema.ts';
import { countDeferredJobs, enqueueDeferredJobs } from '../../src/jobs/deferred-jobs.ts';
import { DeferredJobsScheduler, DeliverStatus, RegenerateHome } from '../../src/jobs/definitions.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot, type Instance } from '../../src/roles/boot.ts';
import { SCHEDULES } from '../../src/roles/scheduler.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { prepareTestEnvironment, request, startInstance, type TestEnvironment, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { TestRedis } from '../helpers/cluster.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { receiveStatus, remoteNote } from '../helpers/remote-statuses.ts';
import { interceptEnqueue } from '../helpers/queue-intercept.ts';

describe('deliveries made while the job queue is unreachable (the deferred_jobs outbox)', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let carol: TestUser;
  let bobId: string;
  let queueDown = false;
  /** what reached the queue itself, with its options */
  const enqueued: { name: string; data: any; options?: EnqueueOptions }[] = [];

  before(async () => {
    remote = await startFakeRemote();
    // no scheduler: the sweeps happen when the test says
    instance = await startInstance({
      env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' },
      roles: { web: true, worker: { queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], concurrency: 5 } },
    });
    alice = await instance.createUser('alice');
    carol = await instance.createUser('carol');
    // the whole queue is away (as Redis would be) while queueDown is set
    interceptEnqueue(instance.ctx.queue, async (original, queueName, name, data, options) => {
      if (queueDown) throw new Error('the queue is unreachable');
      enqueued.push({ name, data, options });
      return original(queueName, name, data, options);
    });
    // bob follows alice from his server: his account is known here
    const response = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, {
      '@context': AS,
      id: `${remote.origin}/follows/1`,
      type: 'Follow',
      actor: remote.actorId,
      object: `${BASE}/users/alice`,
    });
    assert.equal(response.status, 202, response.text);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    const found = await instance.request('GET', `/api/v2/search?q=@${remote.handle}&type=accounts`, { token: alice.token });
    bobId = found.body.accounts[0].id;
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  /** A public status of bob's, received from his server (alice follows him, so it concerns this instance). */
  const bobsStatus = async () => {
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: bobId }).onConflictDoNothing();
    return receiveStatus(instance, remote, remoteNote(remote, `${remote.actorId}/statuses/1`));
  };

  const fromCarol = (type: string) => remote.delivered.filter((entry) => entry.body.type === type && entry.body.actor === `${BASE}/users/carol`);

  it('is scheduled every minute', () => {
    assert.ok(SCHEDULES.some((schedule) => schedule.job === DeferredJobsScheduler && schedule.everySeconds === 60));
  });

  it('a favourite, a follow and a profile change are answered, kept, and delivered exactly once when the queue is back', async () => {
    const status = await bobsStatus();
    queueDown = true;
    try {
      const favourite = await instance.request('POST', `/api/v1/statuses/${status.id}/favourite`, { token: carol.token });
      assert.equal(favourite.status, 200, favourite.text);
      assert.equal(favourite.body.favourited, true);
      const follow = await instance.request('POST', `/api/v1/accounts/${bobId}/follow`, { token: carol.token });
      assert.equal(follow.status, 200, follow.text);
      assert.equal(follow.body.requested, true);
      const profile = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, json: { display_name: 'Carol' } });
      assert.equal(profile.status, 200, profile.text);
      const kept = await instance.ctx.db.select().from(deferredJobs);
      assert.deepEqual(kept.map((row) => row.name).sort(), ['ActivityPub::InteractionDeliveryWorker', 'ActivityPub::RelationshipDeliveryWorker', 'ActivityPub::UpdateDistributionWorker']);
      assert.ok(kept.every((row) => row.queue === 'push'));
      // a sweep while the queue is still away enqueues nothing and keeps every row for the next one
      assert.equal(await enqueueDeferredJobs(instance.ctx), 0);
      assert.equal(await countDeferredJobs(instance.ctx), 3);
      assert.ok(
        (await instance.ctx.db.select().from(deferredJobs)).every((row) => row.lockedUntil === null),
        'released',
      );
    } finally {
      queueDown = false;
    }
    await queuesDrained(instance);
    assert.deepEqual(fromCarol('Like'), [], 'nothing sent yet');
    assert.deepEqual(fromCarol('Follow'), []);

    // the scheduler's job (as the scheduler enqueues it every minute) sweeps the outbox
    await enqueue(instance.ctx, DeferredJobsScheduler, {});
    await until(async () => fromCarol('Like').length > 0 && fromCarol('Follow').length > 0, 'the Like and the Follow');
    await until(async () => (await countDeferredJobs(instance.ctx)) === 0, 'the outbox to be empty');
    // another sweep finds nothing to send again
    assert.equal(await enqueueDeferredJobs(instance.ctx), 0);
    await queuesDrained(instance);
    const [like] = fromCarol('Like');
    assert.equal(fromCarol('Like').length, 1, 'one Like');
    assert.equal(like!.body.object, status.uri);
    assert.equal(like!.path, '/users/bob/inbox');
    const [sent] = fromCarol('Follow');
    assert.equal(fromCarol('Follow').length, 1, 'one Follow');
    assert.equal(sent!.body.object, remote.actorId);
    assert.ok(sent!.headers.signature || sent!.headers['signature-input'], 'signed');
  });

  it('an unfollow, a block and a deletion, with the feed upkeep queued before their deliveries, are answered and delivered once', async () => {
    // bob accepts carol's follow
    const [follow] = fromCarol('Follow');
    const accepted = await remote.postSigned(instance.url, `${BASE}/users/carol/inbox`, {
      '@context': AS,
      id: `${remote.origin}/accepts/1`,
      type: 'Accept',
      actor: remote.actorId,
      object: follow!.body,
    });
    assert.equal(accepted.status, 202, accepted.text);
    await until(async () => {
      const relationship = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${bobId}`, { token: carol.token });
      return relationship.body[0]?.following === true;
    }, 'carol to follow bob');
    // alice's post reaches bob, who follows her
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'soon gone' } });
    assert.equal(posted.status, 200, posted.text);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Create' && entry.body.object?.id === posted.body.uri), 'the Create');
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.default === 0 && counts.push === 0;
    }, 'the queue to settle');

    queueDown = true;
    try {
      for (const [path, token] of [
        [`/api/v1/accounts/${bobId}/unfollow`, carol.token],
        [`/api/v1/accounts/${bobId}/block`, carol.token],
      ] as const) {
        const response = await instance.request('POST', path, { token });
        assert.equal(response.status, 200, `${path}: ${response.text}`);
      }
      const deleted = await instance.request('DELETE', `/api/v1/statuses/${posted.body.id}`, { token: alice.token });
      assert.equal(deleted.status, 200, deleted.text);
      const kept = (await instance.ctx.db.select().from(deferredJobs)).map((row) => row.name);
      assert.equal(kept.filter((name) => name === 'ActivityPub::RelationshipDeliveryWorker').length, 2, kept.join());
      assert.ok(kept.includes('UnmergeWorker') && kept.includes('RemovalWorker') && kept.includes('ActivityPub::DistributionWorker'), kept.join());
    } finally {
      queueDown = false;
    }
    assert.ok((await enqueueDeferredJobs(instance.ctx)) >= 5);
    const undo = () => fromCarol('Undo').filter((entry) => entry.body.object?.type === 'Follow');
    const deletes = () => remote.delivered.filter((entry) => entry.body.type === 'Delete' && entry.body.object?.id === posted.body.uri);
    await until(async () => undo().length > 0 && fromCarol('Block').length > 0 && deletes().length > 0, 'the Undo, the Block and the Delete');
    await until(async () => (await countDeferredJobs(instance.ctx)) === 0, 'the outbox to be empty');
    await queuesDrained(instance);
    assert.equal(undo().length, 1);
    assert.equal(fromCarol('Block').length, 1);
    assert.equal(deletes().length, 1);
  });

  it('a delayed delivery keeps what is left of its delay and its unique key; other jobs still fail', async () => {
    queueDown = true;
    try {
      await enqueue(instance.ctx, DeliverStatus, { action: 'update', statusId: '1' }, { delayMs: 180_000, uniqueKey: 'deferred-test' });
      await assert.rejects(enqueue(instance.ctx, RegenerateHome, { accountId: carol.accountId }), /unreachable/);
    } finally {
      queueDown = false;
    }
    assert.equal(await countDeferredJobs(instance.ctx), 1);
    assert.equal(await enqueueDeferredJobs(instance.ctx), 1);
    const job = enqueued.findLast((entry) => entry.name === 'ActivityPub::DistributionWorker');
    assert.deepEqual(job?.data, { action: 'update', statusId: '1' });
    assert.equal(job?.options?.uniqueKey, 'deferred-test');
    assert.ok(job!.options!.delayMs! > 170_000 && job!.options!.delayMs! <= 180_000, `${job!.options!.delayMs} ms left`);
    assert.equal(await countDeferredJobs(instance.ctx), 0);
  });

  it('two sweeps at once enqueue each deferred job once', async () => {
    queueDown = true;
    try {
      for (let n = 0; n < 20; n++) await enqueue(instance.ctx, DeliverStatus, { action: 'update', statusId: `race-${n}` }, { delayMs: 600_000 });
    } finally {
      queueDown = false;
    }
    const before = enqueued.length;
    const [first, second] = await Promise.all([enqueueDeferredJobs(instance.ctx, 3), enqueueDeferredJobs(instance.ctx, 3)]);
    assert.equal(first! + second!, 20);
    const ids = enqueued.slice(before).map((entry) => entry.data.statusId);
    assert.equal(ids.length, 20);
    assert.equal(new Set(ids).size, 20, 'no job twice');
    assert.equal(await countDeferredJobs(instance.ctx), 0);
  });
});

const HAS_REDIS = !spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error;

describe('a follow made while the queues’ Redis is down', { skip: HAS_REDIS ? false : 'redis-server is not on PATH' }, () => {
  let queueRedis: TestRedis | undefined;
  let environment: TestEnvironment;
  let instance: Instance;
  let remote: FakeRemote;

  after(async () => {
    await instance?.close();
    await environment?.cleanup();
    await remote?.close();
    await queueRedis?.close();
  });

  it('is answered, and its Follow is sent once Redis is back and the outbox is swept', async () => {
    queueRedis = await TestRedis.start({ persistent: false });
    remote = await startFakeRemote();
    environment = await prepareTestEnvironment({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', SIDEKIQ_REDIS_URL: queueRedis.url });
    instance = await boot(
      loadConfig(environment.env),
      { web: true, worker: { queues: ['default', 'push', 'ingress', 'pull'], concurrency: 4 } },
      {
        log: createLogger('silent'),
        queueBackoff: () => 50,
        redisWaitMs: 1500,
      },
    );
    const member = async (username: string) => {
      const { user, account } = await createLocalAccount(instance.ctx, { username, email: `${username}@example.com`, password: 'a long password', confirmed: true });
      const { accessToken } = await issueToken(instance.ctx, { applicationId: null, userId: user.id, scopes: ['read', 'write', 'follow'] });
      return { accountId: account.id, token: accessToken };
    };
    const alice = await member('alice');
    const carol = await member('carol');
    // bob follows alice: his account is known here
    const response = await remote.postSigned(instance.url!, `${BASE}/users/alice/inbox`, {
      '@context': AS,
      id: `${remote.origin}/follows/1`,
      type: 'Follow',
      actor: remote.actorId,
      object: `${BASE}/users/alice`,
    });
    assert.equal(response.status, 202, response.text);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    const found = await request(instance.url!, 'GET', `/api/v2/search?q=@${remote.handle}&type=accounts`, { token: alice.token });
    const bobId = found.body.accounts[0].id as string;

    await queueRedis.stop();
    await until(
      async () =>
        instance.ctx.queue.ping().then(
          () => false,
          () => true,
        ),
      'the queue to notice that Redis is gone',
    );
    const follow = await request(instance.url!, 'POST', `/api/v1/accounts/${bobId}/follow`, { token: carol.token });
    assert.equal(follow.status, 200, follow.text);
    assert.equal(follow.body.requested, true);
    assert.equal(await countDeferredJobs(instance.ctx), 1);
    assert.equal(await enqueueDeferredJobs(instance.ctx), 0, 'Redis is still away');

    await queueRedis.start();
    await until(async () => (await enqueueDeferredJobs(instance.ctx)) > 0, 'the deferred Follow to be enqueued', 15_000);
    const follows = () => remote.delivered.filter((entry) => entry.body.type === 'Follow' && entry.body.actor === `${BASE}/users/carol`);
    await until(async () => follows().length > 0, 'the Follow');
    await queuesDrained(instance);
    assert.equal(follows().length, 1);
    assert.equal(await countDeferredJobs(instance.ctx), 0);
  });
});
