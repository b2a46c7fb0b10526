import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { waitFor } from '../helpers/process.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

describe('who hears what: the bell and the notification policy', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    instance = await startInstance();
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => instance.createUser(name)));
    await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: bob.token, json: { notify: true } });
    await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: carol.token });
  });
  after(() => instance.close());

  it('notifies only belled followers of new posts, not of boosts or replies to others', async () => {
    const post = async (json: Record<string, unknown>) => (await instance.request('POST', '/api/v1/statuses', { token: alice.token, json })).body.id as string;
    const carolPost = (await instance.request('POST', '/api/v1/statuses', { token: carol.token, json: { status: 'Carol here' } })).body.id as string;
    const first = await post({ status: 'A new post' });
    await post({ status: '@carol a reply to someone else', in_reply_to_id: carolPost });
    await instance.request('POST', `/api/v1/statuses/${carolPost}/reblog`, { token: alice.token });
    const last = await post({ status: 'Another post' });

    const statusNotifications = async (user: TestUser) =>
      ((await instance.request('GET', '/api/v1/notifications?types[]=status', { token: user.token })).body as { type: string; status: { id: string } }[]).map((n) => n.status.id);
    const bobs = await waitFor('bob’s bell notifications', async () => {
      const found = await statusNotifications(bob);
      return found.includes(last) ? found : undefined;
    });
    assert.deepEqual(bobs.sort(), [first, last].sort());
    assert.deepEqual(await statusNotifications(carol), []);
  });

  it('applies the notification policy: mentions from accounts carol does not follow are dropped once she asks', async () => {
    const dave = await instance.createUser('dave');
    const mentions = async () => ((await instance.request('GET', '/api/v1/notifications?types[]=mention', { token: carol.token })).body as { status: { id: string } }[]).map((n) => n.status.id);
    const before = await instance.request('POST', '/api/v1/statuses', { token: dave.token, json: { status: '@carol hello from a stranger' } });
    // the mention's notification is made by the status's Distribution job
    await until(async () => (await mentions()).includes(before.body.id), 'the mention, accepted by default');

    const policy = await instance.request('PATCH', '/api/v2/notifications/policy', { token: carol.token, json: { for_not_following: 'drop' } });
    assert.equal(policy.status, 200, policy.text);
    const stranger = await instance.request('POST', '/api/v1/statuses', { token: dave.token, json: { status: '@carol hello again' } });
    const friend = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: '@carol from someone you follow' } });
    await until(async () => (await mentions()).includes(friend.body.id), 'the mention from a followed account, which still arrives');
    await queuesDrained(instance);
    assert.ok(!(await mentions()).includes(stranger.body.id), 'mentions from strangers are dropped');
  });
});
