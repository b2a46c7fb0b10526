import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listFeed } from '../../src/backends/feeds/index.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { everyQueueDrained } from '../helpers/queues-drained.ts';

describe('lists API', () => {
  let instance: TestInstance;
  let counter = 0;

  before(async () => {
    instance = await startInstance();
  });
  after(async () => {
    await instance?.close();
  });

  const user = (prefix: string) => instance.createUser(`${prefix}${++counter}`);
  const get = (who: TestUser, path: string) => instance.request('GET', path, { token: who.token });
  const send = (who: TestUser, method: string, path: string, json: unknown = {}) => instance.request(method, path, { token: who.token, json });
  const idsOf = (body: { id: string }[]) => body.map((item) => item.id);

  async function postStatus(who: TestUser, json: Record<string, unknown>): Promise<string> {
    const response = await send(who, 'POST', '/api/v1/statuses', json);
    assert.equal(response.status, 200, response.text);
    return response.body.id;
  }
  async function follow(who: TestUser, target: TestUser) {
    assert.equal((await send(who, 'POST', `/api/v1/accounts/${target.accountId}/follow`)).status, 200);
  }
  /** waits until the queues have nothing pending */
  const settle = () => everyQueueDrained(instance);
  async function createList(who: TestUser, json: Record<string, unknown>) {
    const response = await send(who, 'POST', '/api/v1/lists', json);
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string; title: string; replies_policy: string; exclusive: boolean };
  }

  test('create, show, update, list and delete', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const list = await createList(alice, { title: 'Friends' });
    assert.deepEqual(list, { id: list.id, title: 'Friends', replies_policy: 'list', exclusive: false });
    assert.equal(typeof list.id, 'string');
    const second = await createList(alice, { title: 'Work', replies_policy: 'none', exclusive: true });
    assert.equal(second.replies_policy, 'none');
    assert.equal(second.exclusive, true);
    assert.deepEqual(idsOf((await get(alice, '/api/v1/lists')).body), [list.id, second.id]);
    assert.deepEqual((await get(alice, `/api/v1/lists/${list.id}`)).body, list);
    assert.equal((await get(bob, `/api/v1/lists/${list.id}`)).status, 404);
    assert.deepEqual((await get(bob, '/api/v1/lists')).body, []);
    const updated = await send(alice, 'PUT', `/api/v1/lists/${list.id}`, { title: 'Close friends', replies_policy: 'followed' });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.body, { id: list.id, title: 'Close friends', replies_policy: 'followed', exclusive: false });
    assert.equal((await send(alice, 'POST', '/api/v1/lists', { title: '' })).status, 422);
    const bad = await send(alice, 'POST', '/api/v1/lists', { title: 'x', replies_policy: 'everyone' });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error);
    assert.equal((await send(bob, 'DELETE', `/api/v1/lists/${list.id}`)).status, 404);
    assert.equal(await send(alice, 'PUT', `/api/v1/lists/${list.id}`, { title: 'nope' }).then((r) => r.status), 200);
    const deleted = await send(alice, 'DELETE', `/api/v1/lists/${list.id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {});
    assert.equal((await get(alice, `/api/v1/lists/${list.id}`)).status, 404);
    assert.equal((await get(alice, '/api/v1/lists/abc')).status, 404);
    assert.equal((await instance.request('GET', '/api/v1/lists')).status, 401);
  });

  test('members: only followed accounts, paginated, limit=0 for all', async () => {
    const alice = await user('alice');
    const others: TestUser[] = [];
    for (let i = 0; i < 3; i++) others.push(await user('member'));
    const stranger = await user('stranger');
    for (const other of others) await follow(alice, other);
    const list = await createList(alice, { title: 'People' });
    assert.equal((await send(alice, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [stranger.accountId] })).status, 404);
    assert.equal((await send(alice, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: ['999999'] })).status, 404);
    assert.equal((await send(alice, 'POST', `/api/v1/lists/${list.id}/accounts`, {})).status, 400);
    const added = await send(alice, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: others.map((o) => o.accountId) });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual(added.body, {});
    assert.equal((await send(alice, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [others[0]!.accountId] })).status, 422);
    const page = await get(alice, `/api/v1/lists/${list.id}/accounts?limit=2`);
    assert.equal(page.body.length, 2);
    assert.match(page.headers.get('link') ?? '', /rel="next"/);
    const all = await get(alice, `/api/v1/lists/${list.id}/accounts?limit=0`);
    assert.deepEqual(new Set(idsOf(all.body)), new Set(others.map((o) => o.accountId)));
    assert.equal(all.body[0].username.startsWith('member'), true);
    const removed = await instance.request('DELETE', `/api/v1/lists/${list.id}/accounts?account_ids[]=${others[0]!.accountId}`, { token: alice.token });
    assert.equal(removed.status, 200);
    assert.equal((await get(alice, `/api/v1/lists/${list.id}/accounts`)).body.length, 2);
    assert.equal((await get(stranger, `/api/v1/lists/${list.id}/accounts`)).status, 404);
  });

  test('list timelines follow the replies policy; exclusive lists keep members out of home', async () => {
    const owner = await user('owner');
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    await get(owner, '/api/v1/timelines/home');
    await follow(owner, alice);
    await follow(owner, bob);
    const everyList = await createList(owner, { title: 'List replies', replies_policy: 'list' });
    const noneList = await createList(owner, { title: 'No replies', replies_policy: 'none' });
    const exclusive = await createList(owner, { title: 'Exclusive', exclusive: true, replies_policy: 'followed' });
    for (const list of [everyList, noneList]) {
      assert.equal((await send(owner, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [alice.accountId, bob.accountId] })).status, 200);
    }
    assert.equal((await send(owner, 'POST', `/api/v1/lists/${exclusive.id}/accounts`, { account_ids: [bob.accountId] })).status, 200);

    const top = await postStatus(alice, { status: 'top' });
    const bobReply = await postStatus(bob, { status: 'reply to alice', in_reply_to_id: top });
    const carolPost = await postStatus(carol, { status: 'carol' });
    const aliceToCarol = await postStatus(alice, { status: 'reply to carol', in_reply_to_id: carolPost });
    await until(async () => (await instance.ctx.feeds.ids(listFeed(everyList.id))).includes(bobReply), 'list fan-out');
    await settle();

    const timeline = async (id: string) => {
      const response = await get(owner, `/api/v1/timelines/list/${id}`);
      assert.equal(response.status, 200, response.text);
      return idsOf(response.body);
    };
    assert.deepEqual(await timeline(everyList.id), [bobReply, top]);
    assert.deepEqual(await timeline(noneList.id), [top]);
    assert.deepEqual(await timeline(exclusive.id), [bobReply]);
    assert.ok(!(await timeline(everyList.id)).includes(aliceToCarol));
    const home = idsOf((await get(owner, '/api/v1/timelines/home')).body);
    assert.ok(home.includes(top), 'alice is in no exclusive list');
    assert.ok(!home.includes(bobReply), 'bob is in an exclusive list');

    assert.equal((await get(alice, `/api/v1/timelines/list/${everyList.id}`)).status, 404);
    const link = (await get(owner, `/api/v1/timelines/list/${everyList.id}?limit=1`)).headers.get('link');
    assert.match(link ?? '', new RegExp(`max_id=${bobReply}`));
  });

  test('adding a member merges their recent posts into the list', async () => {
    const owner = await user('owner');
    const alice = await user('alice');
    await follow(owner, alice);
    const earlier = await postStatus(alice, { status: 'earlier' });
    const list = await createList(owner, { title: 'Later' });
    assert.deepEqual(idsOf((await get(owner, `/api/v1/timelines/list/${list.id}`)).body), []);
    await send(owner, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [alice.accountId] });
    assert.deepEqual(idsOf((await get(owner, `/api/v1/timelines/list/${list.id}`)).body), [earlier]);
    await send(owner, 'DELETE', `/api/v1/lists/${list.id}/accounts`, { account_ids: [alice.accountId] });
    assert.deepEqual(idsOf((await get(owner, `/api/v1/timelines/list/${list.id}`)).body), []);
  });
});
