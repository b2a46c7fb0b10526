import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOn, until } from '../helpers/federating-instances.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

/**
 * Two Subspace instances on loopback addresses of their own, as two host names (addresses,
 * because names under .localhost do not resolve everywhere and /etc/hosts may not be writable),
 * federating over plain http (LOCAL_HTTPS=false) through each one's Mastodon API.
 */

describe('two instances: follows across servers through the Mastodon API', () => {
  let one: TestInstance;
  let two: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  before(async () => {
    one = await startOn();
    two = await startOn();
    alice = await one.createUser('alice');
    bob = await two.createUser('bob');
    carol = await two.createUser('carol');
    const locked = await two.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, json: { locked: true, display_name: 'Carol C.' } });
    assert.equal(locked.status, 200, locked.text);
  });
  after(async () => {
    await one?.close();
    await two?.close();
  });

  /** `user@two` as one's member finds it: search with resolve=true. */
  const resolveOnOne = async (username: string) => {
    const acct = `${username}@${two.config.localDomain}`;
    const response = await one.request('GET', `/api/v2/search?q=${encodeURIComponent(`@${acct}`)}&resolve=true&type=accounts`, { token: alice.token });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.accounts[0]?.acct, acct, response.text);
    return response.body.accounts[0];
  };
  const relationshipOnOne = async (id: string) => (await one.request('GET', `/api/v1/accounts/relationships?id[]=${id}`, { token: alice.token })).body[0];
  const followersOnTwo = async (user: TestUser) =>
    ((await two.request('GET', `/api/v1/accounts/${user.accountId}/followers`, { token: user.token })).body as { acct: string }[]).map((account) => account.acct);

  it('alice@one follows bob@two: requested, then following once two accepts; bob’s followers on two include alice', async () => {
    const bobOnOne = await resolveOnOne('bob');
    assert.equal(bobOnOne.url, `http://${two.config.localDomain}/@bob`);
    const followed = await one.request('POST', `/api/v1/accounts/${bobOnOne.id}/follow`, { token: alice.token });
    assert.equal(followed.status, 200, followed.text);
    assert.ok(followed.body.following || followed.body.requested, followed.text);

    await until(async () => (await relationshipOnOne(bobOnOne.id)).following, 'alice following bob on one');
    const aliceAcct = `alice@${one.config.localDomain}`;
    assert.deepEqual(await followersOnTwo(bob), [aliceAcct]);
    const notifications = await two.request('GET', '/api/v1/notifications', { token: bob.token });
    assert.deepEqual(
      notifications.body.map((item: { type: string; account: { acct: string } }) => [item.type, item.account.acct]),
      [['follow', aliceAcct]],
    );
    const bobSeen = await one.request('GET', `/api/v1/accounts/${bobOnOne.id}`, { token: alice.token });
    assert.equal(bobSeen.body.followers_count, 1);

    await one.request('POST', `/api/v1/accounts/${bobOnOne.id}/unfollow`, { token: alice.token });
    await until(async () => (await followersOnTwo(bob)).length === 0, 'alice gone from bob’s followers on two');
  });

  it('a locked carol@two gets a follow request, and authorizing it makes the follow on one', async () => {
    const carolOnOne = await resolveOnOne('carol');
    assert.equal(carolOnOne.locked, true);
    assert.equal(carolOnOne.display_name, 'Carol C.');
    const followed = await one.request('POST', `/api/v1/accounts/${carolOnOne.id}/follow`, { token: alice.token });
    assert.equal(followed.body.requested, true, followed.text);

    const requests = await until(async () => {
      const response = await two.request('GET', '/api/v1/follow_requests', { token: carol.token });
      return response.body.length ? response.body : undefined;
    }, 'the follow request on two');
    assert.equal(requests[0].acct, `alice@${one.config.localDomain}`);
    await Promise.all([queuesDrained(one), queuesDrained(two)]);
    assert.equal((await relationshipOnOne(carolOnOne.id)).requested, true, 'still requested on one');

    const authorized = await two.request('POST', `/api/v1/follow_requests/${requests[0].id}/authorize`, { token: carol.token });
    assert.equal(authorized.status, 200, authorized.text);
    await until(async () => (await relationshipOnOne(carolOnOne.id)).following, 'alice following carol on one');
    assert.equal((await relationshipOnOne(carolOnOne.id)).requested, false);

    // carol's profile change reaches one, where her follower is
    await two.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, json: { display_name: 'Caroline', note: 'Hello from two' } });
    const seen = await until(async () => {
      const response = await one.request('GET', `/api/v1/accounts/${carolOnOne.id}`, { token: alice.token });
      return response.body.display_name === 'Caroline' ? response.body : undefined;
    }, 'the new profile on one');
    assert.equal(seen.note, '<p>Hello from two</p>');
  });

  it('bob@two blocking alice@one ends alice’s follow on one and shows as blocked_by', async () => {
    const bobOnOne = await resolveOnOne('bob');
    await one.request('POST', `/api/v1/accounts/${bobOnOne.id}/follow`, { token: alice.token });
    await until(async () => (await relationshipOnOne(bobOnOne.id)).following, 'alice following bob again');
    const aliceOnTwo = await two.request('GET', `/api/v1/accounts/lookup?acct=alice@${one.config.localDomain}`, { token: bob.token });
    assert.equal(aliceOnTwo.status, 200, aliceOnTwo.text);
    const blocked = await two.request('POST', `/api/v1/accounts/${aliceOnTwo.body.id}/block`, { token: bob.token });
    assert.equal(blocked.body.blocking, true);
    await until(async () => (await relationshipOnOne(bobOnOne.id)).blocked_by, 'the block to reach one');
    assert.equal((await relationshipOnOne(bobOnOne.id)).following, false);
    assert.deepEqual(await followersOnTwo(bob), []);

    const unblocked = await two.request('POST', `/api/v1/accounts/${aliceOnTwo.body.id}/unblock`, { token: bob.token });
    assert.equal(unblocked.body.blocking, false);
    await until(async () => (await relationshipOnOne(bobOnOne.id)).blocked_by === false, 'the unblock to reach one');
  });

  it('a locked dave@two rejecting alice’s request leaves her neither following nor requested on one', async () => {
    const dave = await two.createUser('dave');
    await two.request('PATCH', '/api/v1/accounts/update_credentials', { token: dave.token, json: { locked: true } });
    const daveOnOne = await resolveOnOne('dave');
    const followed = await one.request('POST', `/api/v1/accounts/${daveOnOne.id}/follow`, { token: alice.token });
    assert.equal(followed.body.requested, true, followed.text);
    const requests = await until(async () => {
      const response = await two.request('GET', '/api/v1/follow_requests', { token: dave.token });
      return response.body.length ? response.body : undefined;
    }, 'the follow request on two');
    const rejected = await two.request('POST', `/api/v1/follow_requests/${requests[0].id}/reject`, { token: dave.token });
    assert.equal(rejected.status, 200, rejected.text);
    await until(async () => (await relationshipOnOne(daveOnOne.id)).requested === false, 'the rejection on one');
    assert.equal((await relationshipOnOne(daveOnOne.id)).following, false);
    assert.deepEqual(await followersOnTwo(dave), []);
  });
});
