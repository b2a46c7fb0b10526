import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { waitFor } from '../helpers/process.ts';

describe('the bell: following with notify=true', () => {
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
});
