import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { waitFor } from '../helpers/process.ts';

/**
 * The visibility rules from every side a client can look from: a private status is seen by the
 * author, followers and mentioned accounts only; a direct one by the author and mentioned accounts
 * only — in every timeline, thread, account page, status page and favourited_by list.
 */
describe('visibility of private and direct statuses, and blocks and mutes, everywhere', () => {
  let instance: TestInstance;
  let alice: TestUser; // the author
  let bob: TestUser; // follows alice
  let carol: TestUser; // does not follow alice
  let dave: TestUser; // mentioned in the direct message, does not follow
  let publicId: string;
  let privateId: string;
  let privateReplyId: string;
  let directId: string;

  const ids = (body: { id: string }[]) => body.map((status) => status.id);

  before(async () => {
    instance = await startInstance();
    [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((name) => instance.createUser(name)));
    assert.equal((await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: bob.token })).status, 200);
    const post = async (body: Record<string, unknown>) => {
      const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: body });
      assert.equal(response.status, 200, response.text);
      return response.body.id as string;
    };
    publicId = await post({ status: 'Public #secrets', visibility: 'public' });
    privateId = await post({ status: 'Followers only #secrets', visibility: 'private' });
    privateReplyId = await post({ status: 'A private reply', visibility: 'private', in_reply_to_id: publicId });
    directId = await post({ status: '@dave just between us', visibility: 'direct' });
    await instance.request('POST', `/api/v1/statuses/${privateId}/favourite`, { token: bob.token });
    // let fan-out reach bob's home
    await waitFor('fan-out to bob', async () => {
      const home = await instance.request('GET', '/api/v1/timelines/home', { token: bob.token });
      return ids(home.body).includes(privateId) || undefined;
    });
  });
  after(() => instance.close());

  it('shows the status page only to those allowed', async () => {
    const status = async (id: string, user?: TestUser) => (await instance.request('GET', `/api/v1/statuses/${id}`, { token: user?.token })).status;
    assert.equal(await status(privateId, alice), 200);
    assert.equal(await status(privateId, bob), 200);
    assert.equal(await status(privateId, carol), 404);
    assert.equal(await status(privateId), 404);
    assert.equal(await status(directId, dave), 200);
    assert.equal(await status(directId, bob), 404, 'following is not enough for a direct message');
    assert.equal(await status(directId, carol), 404);
    assert.equal(await status(publicId), 200);
    for (const part of ['history', 'source', 'context']) {
      const path = `/api/v1/statuses/${privateId}/${part}`;
      assert.equal((await instance.request('GET', path, { token: carol.token })).status, 404, path);
      assert.equal((await instance.request('GET', path, { token: bob.token })).status, 200, path);
    }
  });

  it('keeps them out of the timelines of those not allowed', async () => {
    for (const user of [bob, carol, dave]) {
      const timelines = await Promise.all(
        ['/api/v1/timelines/home', '/api/v1/timelines/public', '/api/v1/timelines/public?local=true', '/api/v1/timelines/tag/secrets'].map((path) =>
          instance.request('GET', path, { token: user.token }),
        ),
      );
      const [home, ...publicOnes] = timelines.map((response) => ids(response.body));
      for (const timeline of publicOnes) {
        assert.ok(timeline!.includes(publicId));
        assert.ok(!timeline!.includes(privateId) && !timeline!.includes(directId), `${user.username}: private and direct never reach public timelines`);
      }
      assert.equal(home!.includes(privateId), user === bob, `${user.username}'s home`);
      assert.ok(!home!.includes(directId) || user === dave, `${user.username}'s home and the direct message`);
    }
    const anonymous = ids((await instance.request('GET', '/api/v1/timelines/public')).body);
    assert.ok(anonymous.includes(publicId) && !anonymous.includes(privateId));
  });

  it('hides them in threads, account pages and favourited_by', async () => {
    const descendants = async (user: TestUser) => ids((await instance.request('GET', `/api/v1/statuses/${publicId}/context`, { token: user.token })).body.descendants);
    assert.deepEqual(await descendants(bob), [privateReplyId]);
    assert.deepEqual(await descendants(carol), []);

    const accountStatuses = async (user?: TestUser) => ids((await instance.request('GET', `/api/v1/accounts/${alice.accountId}/statuses`, { token: user?.token })).body);
    assert.ok((await accountStatuses(bob)).includes(privateId));
    assert.ok(!(await accountStatuses(bob)).includes(directId));
    assert.ok(!(await accountStatuses(carol)).includes(privateId));
    assert.ok(!(await accountStatuses()).includes(privateId));
    assert.ok((await accountStatuses(alice)).includes(directId));

    assert.equal((await instance.request('GET', `/api/v1/statuses/${privateId}/favourited_by`, { token: bob.token })).status, 200);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${privateId}/favourited_by`, { token: carol.token })).status, 404);
    assert.equal((await instance.request('POST', `/api/v1/statuses/${privateId}/favourite`, { token: carol.token })).status, 404);
    assert.equal((await instance.request('POST', '/api/v1/statuses', { token: carol.token, json: { status: 'sneaky', in_reply_to_id: privateId } })).status, 404);
  });

  it('answers ids past the 64-bit range with 404, never 500', async () => {
    const huge = '9999999999999999999';
    for (const [method, path] of [
      ['GET', `/api/v1/statuses/${huge}`],
      ['GET', `/api/v1/statuses/${huge}/context`],
      ['POST', `/api/v1/statuses/${huge}/favourite`],
      ['POST', `/api/v1/statuses/${huge}/bookmark`],
      ['POST', `/api/v1/statuses/${huge}/reblog`],
      ['PUT', `/api/v1/statuses/${huge}`],
      ['GET', `/api/v1/polls/${huge}`],
      ['GET', `/api/v1/lists/${huge}`],
      ['GET', `/api/v1/scheduled_statuses/${huge}`],
      ['GET', `/api/v1/accounts/${huge}`],
    ] as const) {
      const response = await instance.request(method, path, { token: bob.token, json: method === 'GET' ? undefined : { status: 'x' } });
      assert.equal(response.status, 404, `${method} ${path}: ${response.text}`);
    }
    const list = await instance.request('GET', `/api/v1/statuses?id[]=${huge}&id[]=${publicId}`, { token: bob.token });
    assert.deepEqual(ids(list.body), [publicId]);
    const search = await instance.request('GET', `/api/v2/search?q=x&type=statuses&offset=100000000000000000000`, { token: bob.token });
    assert.equal(search.status, 200, search.text);
  });

  it('keeps them out of search results', async () => {
    const search = async (user: TestUser, q: string) => ids((await instance.request('GET', `/api/v2/search?type=statuses&q=${encodeURIComponent(q)}`, { token: user.token })).body.statuses);
    assert.deepEqual(await search(bob, 'Followers only'), [privateId], 'a follower who favourited it finds it');
    assert.deepEqual(await search(carol, 'Followers only'), []);
    assert.deepEqual(await search(bob, 'between us'), [], 'a direct message is found by no one else');
    assert.deepEqual(await search(dave, 'between us'), [directId], 'the mentioned account finds it');
  });

  it('honours blocks and mutes in timelines, threads and status pages', async () => {
    const erin = await instance.createUser('erin');
    const frank = await instance.createUser('frank');
    const erinPost = (await instance.request('POST', '/api/v1/statuses', { token: erin.token, json: { status: 'Erin speaks' } })).body.id as string;
    const frankPost = (await instance.request('POST', '/api/v1/statuses', { token: frank.token, json: { status: 'Frank speaks' } })).body.id as string;
    const inPublic = async (user: TestUser) => ids((await instance.request('GET', '/api/v1/timelines/public', { token: user.token })).body);
    assert.ok((await inPublic(carol)).includes(erinPost));

    await instance.request('POST', `/api/v1/accounts/${erin.accountId}/mute`, { token: carol.token });
    await instance.request('POST', `/api/v1/accounts/${carol.accountId}/block`, { token: frank.token });
    const seen = await inPublic(carol);
    assert.ok(!seen.includes(erinPost), 'muted authors leave public timelines');
    assert.ok(!seen.includes(frankPost), 'authors who block you leave your timelines');
    assert.equal((await instance.request('GET', `/api/v1/statuses/${frankPost}`, { token: carol.token })).status, 404, 'a blocker’s posts are closed to the blocked');
    assert.equal((await instance.request('GET', `/api/v1/statuses/${erinPost}`, { token: carol.token })).status, 200, 'a muted author’s post can still be opened');
    assert.ok((await inPublic(bob)).includes(frankPost), 'others still see it');
  });
});
