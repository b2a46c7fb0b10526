import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { after, before, describe, it } from 'node:test';
import { notifications, pendingDistributions } from '../../src/db/schema.ts';
import { redistributeStale } from '../../src/services/feeds/pending-distributions.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { waitFor } from '../helpers/process.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { interceptEnqueue } from '../helpers/queue-intercept.ts';

describe('a post whose fan-out could not be enqueued', () => {
  let instance: TestInstance;
  let author: Awaited<ReturnType<TestInstance['createUser']>>;
  let follower: Awaited<ReturnType<TestInstance['createUser']>>;

  before(async () => {
    instance = await startInstance();
    author = await instance.createUser('outboxer');
    follower = await instance.createUser('outbox_reader');
    assert.equal((await instance.request('POST', `/api/v1/accounts/${author.accountId}/follow`, { token: follower.token })).status, 200);
    // the follower's home feed exists and is not empty (an empty one is rebuilt from the database
    // on every read), so only fan-out can add to it
    const first = await instance.request('POST', '/api/v1/statuses', { token: author.token, json: { status: 'before the outage' } });
    await waitFor('the home feed built', async () => {
      const home = await instance.request('GET', '/api/v1/timelines/home', { token: follower.token });
      return home.status === 200 && home.body.some((s: { id: string }) => s.id === first.body.id);
    });
  });
  after(() => instance.close());

  const pending = async (statusId: string) => (await instance.ctx.db.select().from(pendingDistributions).where(eq(pendingDistributions.statusId, statusId))).length;
  const homeIds = async () => ((await instance.request('GET', '/api/v1/timelines/home', { token: follower.token })).body as { id: string }[]).map((s) => s.id);

  it('is accepted, kept pending, and distributed by the scheduler sweep', async () => {
    // the queue is down for the Distribution job of this post (as Redis would be during an outage)
    const restore = interceptEnqueue(instance.ctx.queue, async (enqueue, name, job, data, options) => {
      if (job === 'DistributionWorker') throw new Error('queue unreachable');
      return enqueue(name, job, data, options);
    });
    let posted: { id: string };
    try {
      const response = await instance.request('POST', '/api/v1/statuses', { token: author.token, json: { status: `@${follower.username} stored but not fanned out` } });
      assert.equal(response.status, 200, response.text);
      posted = response.body;
    } finally {
      restore();
    }
    assert.equal(await pending(posted.id), 1, 'the outbox remembers it');
    await queuesDrained(instance);
    assert.ok(!(await homeIds()).includes(posted.id), 'not distributed yet');

    assert.equal(await redistributeStale(instance.ctx, 0), 1);
    await waitFor("the status in the follower's home", async () => (await homeIds()).includes(posted.id));
    await waitFor('the outbox row gone', async () => (await pending(posted.id)) === 0);
    const notifications = await instance.request('GET', '/api/v1/notifications?types[]=mention', { token: follower.token });
    assert.equal(notifications.body.filter((n: { status: { id: string } }) => n.status.id === posted.id).length, 1, 'mentioned exactly once');
  });

  it("recovers what a request that died after its commit did not do: the mention's notification, once", async () => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: author.token, json: { status: `@${follower.username} the database went away after the commit` } });
    assert.equal(response.status, 200, response.text);
    const statusId: string = response.body.id;
    await waitFor('distributed', async () => (await pending(statusId)) === 0);
    // as if the request had died between the commit and its notification: no notification, the outbox row still there
    await instance.ctx.db.delete(notifications).where(eq(notifications.statusId, statusId));
    await instance.ctx.db.insert(pendingDistributions).values({ statusId });
    const mentionsOf = async () =>
      ((await instance.request('GET', '/api/v1/notifications?types[]=mention', { token: follower.token })).body as { status: { id: string } }[]).filter((n) => n.status.id === statusId).length;
    assert.equal(await mentionsOf(), 0);

    assert.equal(await redistributeStale(instance.ctx, 0), 1);
    await waitFor('the outbox row gone', async () => (await pending(statusId)) === 0);
    await queuesDrained(instance);
    assert.equal(await mentionsOf(), 1, 'the sweep notified the mentioned member');
    // a second recovery (a sweep racing the request) notifies no one twice
    await instance.ctx.db.insert(pendingDistributions).values({ statusId });
    assert.equal(await redistributeStale(instance.ctx, 0), 1);
    await waitFor('the outbox row gone again', async () => (await pending(statusId)) === 0);
    await queuesDrained(instance);
    assert.equal(await mentionsOf(), 1, 'still one notification');
  });

  it('leaves nothing pending after a normal post or boost', async () => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: author.token, json: { status: 'an ordinary post' } });
    const boost = await instance.request('POST', `/api/v1/statuses/${response.body.id}/reblog`, { token: follower.token });
    assert.equal(boost.status, 200, boost.text);
    await waitFor('both distributed', async () => (await pending(response.body.id)) === 0 && (await pending(boost.body.id)) === 0);
    assert.equal(await redistributeStale(instance.ctx, 0), 0);
  });
});
