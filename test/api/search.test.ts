import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('search API (v2)', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;

  const call = (method: string, user: TestUser | null, path: string, json?: unknown) => instance.request(method, path, { token: user?.token, json });
  const searchAs = (user: TestUser | null, query: Record<string, string>) => call('GET', user, `/api/v2/search?${new URLSearchParams(query)}`);

  async function post(user: TestUser, status: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await call('POST', user, '/api/v1/statuses', { status, ...extra });
    assert.equal(res.status, 200, res.text);
    return res.body.id;
  }

  async function indexable(user: TestUser, value: boolean) {
    const res = await call('PATCH', user, '/api/v1/accounts/update_credentials', { indexable: value });
    assert.equal(res.status, 200, res.text);
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dave = await instance.createUser('dave');
    await indexable(alice, true);
  });
  after(() => instance.close());

  it('requires q, and refuses pagination and resolving without a token', async () => {
    const missing = await searchAs(alice, {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error: 'param is missing or the value is empty: q' });
    assert.equal((await searchAs(alice, { q: '  ' })).status, 400);
    const paged = await searchAs(null, { q: 'alice', offset: '1' });
    assert.equal(paged.status, 401);
    assert.deepEqual(paged.body, { error: 'Search queries pagination is not supported without authentication' });
    const resolve = await searchAs(null, { q: 'alice', resolve: 'true' });
    assert.equal(resolve.status, 401);
    assert.deepEqual(resolve.body, { error: 'Search queries that resolve remote resources are not supported without authentication' });
    const negative = await searchAs(alice, { q: 'alice', limit: '-1' });
    assert.equal(negative.status, 400);
    assert.deepEqual(negative.body, { error: 'Pagination values for `offset` and `limit` must be positive' });
    const anonymous = await searchAs(null, { q: 'alice' });
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.deepEqual(Object.keys(anonymous.body).sort(), ['accounts', 'hashtags', 'statuses']);
  });

  it('finds accounts by username and by acct, and hashtags by name prefix', async () => {
    const res = await searchAs(bob, { q: 'ali' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.accounts.map((a: { id: string }) => a.id),
      [alice.accountId],
    );
    assert.equal(res.body.accounts[0].acct, 'alice');
    const exact = await searchAs(null, { q: `@alice@${instance.config.localDomain}` });
    assert.deepEqual(
      exact.body.accounts.map((a: { id: string }) => a.id),
      [alice.accountId],
    );
    assert.deepEqual(exact.body.hashtags, [], 'an @ skips hashtags');

    await post(carol, 'Tagging #SearchTesting and #SearchTest and #Other');
    const tags = await searchAs(bob, { q: '#searchtest' });
    assert.deepEqual(
      tags.body.hashtags.map((t: { name: string }) => t.name),
      ['SearchTest', 'SearchTesting'],
    );
    assert.equal(tags.body.hashtags[0].url, 'http://subspace.test/tags/searchtest');
    assert.equal(tags.body.hashtags[0].following, false);
    assert.equal(tags.body.hashtags[0].history.length, 7);
    assert.deepEqual(tags.body.accounts, [], 'a #tag skips accounts');
    assert.deepEqual(tags.body.statuses, [], 'a lone #tag finds the statuses carrying it (none the searcher may find here)');
    const reviewed = await searchAs(bob, { q: 'searchtest', type: 'hashtags', exclude_unreviewed: 'true' });
    assert.deepEqual(
      reviewed.body.hashtags.map((t: { name: string }) => t.name),
      ['SearchTest'],
    );
  });

  it("finds an indexable author's public status by its words, newest first", async () => {
    const weak = await post(alice, 'A walrus appeared');
    const strong = await post(alice, 'Walrus walrus walrus on the beach');
    await post(alice, 'nothing to see here');
    const res = await searchAs(bob, { q: 'walrus' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.statuses.map((s: { id: string }) => s.id),
      [strong, weak],
      'newest first, as Mastodon orders search results',
    );
    assert.equal(res.body.statuses[0].account.id, alice.accountId);
    assert.equal(res.body.statuses[0].favourited, false);
    // websearch syntax: quoted phrases and exclusions
    const phrase = await searchAs(bob, { q: '"a walrus"' });
    assert.deepEqual(
      phrase.body.statuses.map((s: { id: string }) => s.id),
      [weak],
    );
    const without = await searchAs(bob, { q: 'walrus -beach' });
    assert.deepEqual(
      without.body.statuses.map((s: { id: string }) => s.id),
      [weak],
    );
    // the content warning is searched too
    const warned = await post(alice, 'hidden body', { spoiler_text: 'Narwhal spoilers' });
    assert.deepEqual(
      (await searchAs(bob, { q: 'narwhal' })).body.statuses.map((s: { id: string }) => s.id),
      [warned],
    );
    const anonymous = await searchAs(null, { q: 'walrus' });
    assert.deepEqual(anonymous.body.statuses, [], 'statuses search needs a signed-in member');
  });

  it("does not show a non-indexable author's public statuses to others, but to the author", async () => {
    const id = await post(dave, 'Platypus sighting today');
    assert.deepEqual((await searchAs(bob, { q: 'platypus' })).body.statuses, []);
    assert.deepEqual(
      (await searchAs(dave, { q: 'platypus' })).body.statuses.map((s: { id: string }) => s.id),
      [id],
    );
    await call('POST', bob, `/api/v1/statuses/${id}/bookmark`);
    assert.deepEqual(
      (await searchAs(bob, { q: 'platypus' })).body.statuses.map((s: { id: string }) => s.id),
      [id],
      'a bookmarked status is searchable',
    );
    const boosted = await post(dave, 'Echidna facts');
    assert.equal((await call('POST', carol, `/api/v1/statuses/${boosted}/reblog`)).status, 200);
    assert.deepEqual(
      (await searchAs(carol, { q: 'echidna' })).body.statuses.map((s: { id: string }) => s.id),
      [boosted],
      'a boosted status is searchable by the booster (not the boost itself)',
    );
    const mentioning = await post(dave, '@carol Quokka time');
    assert.deepEqual(
      (await searchAs(carol, { q: 'quokka' })).body.statuses.map((s: { id: string }) => s.id),
      [mentioning],
    );
  });

  it('keeps private statuses to those who may see them and have them in their searchable set', async () => {
    const secret = await post(alice, 'Secret aardvark plans', { visibility: 'private' });
    assert.deepEqual((await searchAs(bob, { q: 'aardvark' })).body.statuses, [], 'not to a non-follower');
    const follow = await call('POST', bob, `/api/v1/accounts/${alice.accountId}/follow`);
    assert.equal(follow.status, 200, follow.text);
    assert.deepEqual((await searchAs(bob, { q: 'aardvark' })).body.statuses, [], 'a follower only finds what they interacted with');
    assert.equal((await call('POST', bob, `/api/v1/statuses/${secret}/favourite`)).status, 200);
    const found = await searchAs(bob, { q: 'aardvark' });
    assert.deepEqual(
      found.body.statuses.map((s: { id: string }) => s.id),
      [secret],
    );
    assert.equal(found.body.statuses[0].favourited, true);
    assert.deepEqual(
      (await searchAs(alice, { q: 'aardvark' })).body.statuses.map((s: { id: string }) => s.id),
      [secret],
    );
    // a favourite left behind by someone who no longer follows is not enough to see it
    await call('POST', bob, `/api/v1/accounts/${alice.accountId}/unfollow`);
    assert.deepEqual((await searchAs(bob, { q: 'aardvark' })).body.statuses, []);
  });

  it('filters statuses by author, type, limit, offset and ids', async () => {
    const own = await post(bob, 'Walrus from bob');
    const byAlice = await searchAs(bob, { q: 'walrus', account_id: alice.accountId });
    assert.ok(byAlice.body.statuses.length >= 2);
    assert.ok(byAlice.body.statuses.every((s: { account: { id: string } }) => s.account.id === alice.accountId));
    const byBob = await searchAs(bob, { q: 'walrus', account_id: bob.accountId });
    assert.deepEqual(
      byBob.body.statuses.map((s: { id: string }) => s.id),
      [own],
    );
    assert.equal((await searchAs(bob, { q: 'walrus', account_id: '999999999' })).status, 404);

    const typed = await searchAs(bob, { q: 'walrus', type: 'accounts' });
    assert.deepEqual(typed.body.statuses, []);
    const statusesOnly = await searchAs(bob, { q: 'alice', type: 'statuses' });
    assert.deepEqual(statusesOnly.body.accounts, []);
    const unknown = await searchAs(bob, { q: 'alice', type: 'nope' });
    assert.deepEqual(unknown.body, { accounts: [], statuses: [], hashtags: [] });

    const all = (await searchAs(bob, { q: 'walrus', type: 'statuses' })).body.statuses.map((s: { id: string }) => s.id);
    assert.equal(all.length, 3);
    const limited = await searchAs(bob, { q: 'walrus', type: 'statuses', limit: '1' });
    assert.deepEqual(
      limited.body.statuses.map((s: { id: string }) => s.id),
      all.slice(0, 1),
    );
    const second = await searchAs(bob, { q: 'walrus', type: 'statuses', limit: '1', offset: '1' });
    assert.deepEqual(
      second.body.statuses.map((s: { id: string }) => s.id),
      all.slice(1, 2),
    );
    const untypedOffset = await searchAs(bob, { q: 'walrus', limit: '1', offset: '1' });
    assert.deepEqual(
      untypedOffset.body.statuses.map((s: { id: string }) => s.id),
      all.slice(0, 1),
      'offset applies only with a type',
    );
    const sorted = [...all].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const older = await searchAs(bob, { q: 'walrus', type: 'statuses', max_id: sorted[2]! });
    assert.deepEqual(older.body.statuses.map((s: { id: string }) => s.id).sort(), sorted.slice(0, 2).sort());
    const newer = await searchAs(bob, { q: 'walrus', type: 'statuses', min_id: sorted[0]! });
    assert.deepEqual(newer.body.statuses.map((s: { id: string }) => s.id).sort(), sorted.slice(1).sort());
    const zero = await searchAs(bob, { q: 'walrus', limit: '0' });
    assert.deepEqual(zero.body, { accounts: [], statuses: [], hashtags: [] });
  });

  it('finds accounts the member follows only, with following', async () => {
    await instance.createUser('alicia');
    const all = await searchAs(carol, { q: 'ali', type: 'accounts' });
    assert.equal(all.body.accounts.length, 2);
    await call('POST', carol, `/api/v1/accounts/${alice.accountId}/follow`);
    const followed = await searchAs(carol, { q: 'ali', type: 'accounts', following: 'true' });
    assert.deepEqual(
      followed.body.accounts.map((a: { id: string }) => a.id),
      [alice.accountId],
    );
  });

  it('finds a known status or account by its URL', async () => {
    const id = await post(alice, 'Linked status');
    const status = (await call('GET', bob, `/api/v1/statuses/${id}`)).body;
    const byUrl = await searchAs(bob, { q: status.url });
    assert.deepEqual(
      byUrl.body.statuses.map((s: { id: string }) => s.id),
      [id],
    );
    const byUri = await searchAs(bob, { q: status.uri, type: 'statuses' });
    assert.deepEqual(
      byUri.body.statuses.map((s: { id: string }) => s.id),
      [id],
    );
    const account = await searchAs(bob, { q: status.account.url });
    assert.deepEqual(
      account.body.accounts.map((a: { id: string }) => a.id),
      [alice.accountId],
    );
    const secret = await post(alice, 'Linked secret', { visibility: 'private' });
    const secretUrl = (await call('GET', alice, `/api/v1/statuses/${secret}`)).body.url;
    assert.deepEqual((await searchAs(carol, { q: secretUrl })).body.statuses.length, 1, 'a follower may see it');
    assert.deepEqual((await searchAs(dave, { q: secretUrl })).body.statuses, [], 'others may not');
  });

  it('hides blocked and muted authors, and accounts that block the viewer', async () => {
    const id = await post(alice, 'Capybara relaxing');
    assert.deepEqual(
      (await searchAs(dave, { q: 'capybara' })).body.statuses.map((s: { id: string }) => s.id),
      [id],
    );
    assert.equal((await call('POST', dave, `/api/v1/accounts/${alice.accountId}/block`)).status, 200);
    assert.deepEqual((await searchAs(dave, { q: 'capybara' })).body.statuses, []);
    assert.equal((await call('POST', alice, `/api/v1/accounts/${carol.accountId}/block`)).status, 200);
    const blocked = await searchAs(carol, { q: 'capybara' });
    assert.deepEqual(blocked.body.statuses, [], 'an author who blocks the viewer');
    assert.deepEqual((await searchAs(carol, { q: 'alice', type: 'accounts' })).body.accounts.map((a: { id: string }) => a.id).includes(alice.accountId), false);
    assert.equal((await call('POST', bob, `/api/v1/accounts/${alice.accountId}/mute`)).status, 200);
    assert.deepEqual((await searchAs(bob, { q: 'capybara' })).body.statuses, []);
  });
});
