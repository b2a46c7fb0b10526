import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { accounts, featuredTags, follows, listAccounts, lists, statusPins, statuses, statusesTags, tags } from '../../src/db/schema.ts';
import { forgetSuggestionPicks } from '../../src/services/accounts/account-suggestions.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { fabricateRemoteAccount } from '../helpers/fabricators.ts';

describe('account lists API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;
  let erin: TestUser;
  let remote: string;

  const post = (user: TestUser, path: string, form?: Record<string, string>) => instance.request('POST', path, { token: user.token, form });
  const get = (user: TestUser | null, path: string) => instance.request('GET', path, user ? { token: user.token } : {});
  const ids = (body: { id: string }[]) => body.map((a) => a.id);
  const nextPath = (link: string | null) => {
    const url = new URL(/<([^>]+)>; rel="next"/.exec(link ?? '')![1]!);
    return `${url.pathname}${url.search}`;
  };
  async function status(author: TestUser, values: Partial<typeof statuses.$inferInsert> = {}): Promise<string> {
    const [row] = await instance.ctx.db
      .insert(statuses)
      .values({ accountId: author.accountId, text: 'hello', content: '<p>hello</p>', ...values })
      .returning();
    return row!.id;
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dan = await instance.createUser('dan');
    erin = await instance.createUser('erin');
    const row = await fabricateRemoteAccount(instance.ctx, { username: 'zed', displayName: 'Zed' });
    remote = row!.id;
    for (const follower of [bob, carol, dan]) await post(follower, `/api/v1/accounts/${alice.accountId}/follow`);
    await post(alice, `/api/v1/accounts/${bob.accountId}/follow`);
    await post(alice, `/api/v1/accounts/${carol.accountId}/follow`);
  });
  after(() => instance.close());

  it('pages followers and following with Link headers', async () => {
    const first = await get(null, `/api/v1/accounts/${alice.accountId}/followers?limit=2`);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(ids(first.body), [dan.accountId, carol.accountId]);
    const second = await get(null, nextPath(first.headers.get('link')));
    assert.deepEqual(ids(second.body), [bob.accountId]);
    const prevLink = /<([^>]+)>; rel="prev"/.exec(second.headers.get('link')!)![1]!;
    const back = await get(null, new URL(prevLink).pathname + new URL(prevLink).search);
    assert.deepEqual(ids(back.body), [dan.accountId, carol.accountId]);
    const following = await get(null, `/api/v1/accounts/${alice.accountId}/following`);
    assert.deepEqual(ids(following.body), [carol.accountId, bob.accountId]);
    assert.equal((await get(null, '/api/v1/accounts/12345/followers')).status, 404);
  });

  it('hides collections when the account asks to', async () => {
    await instance.ctx.db.update(accounts).set({ hideCollections: true }).where(eq(accounts.id, alice.accountId));
    await forgetSuggestionPicks(instance.ctx, dan.accountId);
    assert.deepEqual((await get(bob, `/api/v1/accounts/${alice.accountId}/followers`)).body, []);
    assert.deepEqual((await get(null, `/api/v1/accounts/${alice.accountId}/following`)).body, []);
    assert.equal((await get(alice, `/api/v1/accounts/${alice.accountId}/followers`)).body.length, 3);
    await instance.ctx.db.update(accounts).set({ hideCollections: false }).where(eq(accounts.id, alice.accountId));
  });

  it('finds familiar followers', async () => {
    // bob follows alice; carol follows alice; erin follows bob and carol
    await post(erin, `/api/v1/accounts/${bob.accountId}/follow`);
    await post(erin, `/api/v1/accounts/${carol.accountId}/follow`);
    const response = await get(erin, `/api/v1/accounts/familiar_followers?id[]=${alice.accountId}&id[]=${dan.accountId}&id[]=999999`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.length, 2);
    assert.equal(response.body[0].id, alice.accountId);
    assert.deepEqual(ids(response.body[0].accounts).sort(), [bob.accountId, carol.accountId].sort());
    assert.deepEqual(response.body[1], { id: dan.accountId, accounts: [] });
  });

  it("lists the viewer's lists containing an account", async () => {
    const [list] = await instance.ctx.db.insert(lists).values({ accountId: alice.accountId, title: 'Friends' }).returning();
    await instance.ctx.db.insert(listAccounts).values({ listId: list!.id, accountId: bob.accountId });
    const response = await get(alice, `/api/v1/accounts/${bob.accountId}/lists`);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, [{ id: list!.id, title: 'Friends', replies_policy: 'list', exclusive: false }]);
    assert.deepEqual((await get(alice, `/api/v1/accounts/${carol.accountId}/lists`)).body, []);
    assert.deepEqual((await get(bob, `/api/v1/accounts/${bob.accountId}/lists`)).body, []);
    // unfollowing takes the account out of the lists
    await post(alice, `/api/v1/accounts/${bob.accountId}/unfollow`);
    assert.deepEqual((await get(alice, `/api/v1/accounts/${bob.accountId}/lists`)).body, []);
    await post(alice, `/api/v1/accounts/${bob.accountId}/follow`);
  });

  it("renders an account's featured tags", async () => {
    const [tag] = await instance.ctx.db.insert(tags).values({ name: 'Cats' }).returning();
    await instance.ctx.db.insert(featuredTags).values({ accountId: alice.accountId, tagId: tag!.id });
    const tagged = await status(alice, { text: '#Cats' });
    await instance.ctx.db.insert(statusesTags).values({ statusId: tagged, tagId: tag!.id });
    const response = await get(null, `/api/v1/accounts/${alice.accountId}/featured_tags`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.length, 1);
    assert.equal(response.body[0].name, 'Cats');
    assert.equal(response.body[0].statuses_count, '1');
    assert.equal(response.body[0].url, 'http://subspace.test/@alice/tagged/cats');
    assert.match(response.body[0].last_status_at, /^\d{4}-\d{2}-\d{2}$/);
  });

  it('searches accounts', async () => {
    await instance.ctx.db.update(accounts).set({ displayName: 'Bobby Tables' }).where(eq(accounts.id, dan.accountId));
    const byName = await get(alice, '/api/v1/accounts/search?q=bob');
    assert.equal(byName.status, 200, byName.text);
    assert.deepEqual(ids(byName.body), [bob.accountId, dan.accountId]);
    assert.deepEqual(ids((await get(alice, '/api/v1/accounts/search?q=bob&following=true')).body), [bob.accountId]);
    assert.deepEqual(ids((await get(alice, '/api/v1/accounts/search?q=@zed@remote')).body), [remote]);
    assert.deepEqual(ids((await get(alice, '/api/v1/accounts/search?q=bob&limit=1&offset=1')).body), [dan.accountId]);
    assert.deepEqual((await get(alice, '/api/v1/accounts/search?q=')).body, []);
    assert.equal((await get(null, '/api/v1/accounts/search?q=bob')).status, 401);
    const narrow = await issueToken(instance.ctx, { applicationId: null, userId: alice.userId, scopes: ['read:statuses'] });
    assert.equal((await instance.request('GET', '/api/v1/accounts/search?q=bob', { token: narrow.accessToken })).status, 403);
  });

  it('lists the directory', async () => {
    await instance.ctx.db
      .update(accounts)
      .set({ discoverable: true, lastStatusAt: new Date(Date.now() - 60_000) })
      .where(eq(accounts.id, bob.accountId));
    await instance.ctx.db.update(accounts).set({ discoverable: true, lastStatusAt: new Date() }).where(eq(accounts.id, carol.accountId));
    await instance.ctx.db.update(accounts).set({ discoverable: true }).where(eq(accounts.id, remote));
    const active = await get(null, '/api/v1/directory?local=true');
    assert.equal(active.status, 200, active.text);
    assert.deepEqual(ids(active.body), [carol.accountId, bob.accountId]);
    const all = await get(null, '/api/v1/directory?order=new');
    assert.deepEqual(ids(all.body), [remote, carol.accountId, bob.accountId]);
    assert.deepEqual(ids((await get(null, '/api/v1/directory?local=true&offset=1&limit=1')).body), [bob.accountId]);
    // a blocked account is left out for the blocker
    await post(erin, `/api/v1/accounts/${carol.accountId}/block`);
    assert.deepEqual(ids((await get(erin, '/api/v1/directory?local=true')).body), [bob.accountId]);
    await post(erin, `/api/v1/accounts/${carol.accountId}/unblock`);
  });

  it('suggests accounts to follow, saying which source chose each, and forgets dismissed ones', async () => {
    // dan follows alice, who follows bob and carol: friends of friends, and the most followed accounts
    const v1 = await get(dan, '/api/v1/suggestions');
    assert.equal(v1.status, 200, v1.text);
    assert.deepEqual(ids(v1.body), [carol.accountId, bob.accountId]);
    // erin's recent post was favourited: most interactions
    const erinPost = await post(erin, '/api/v1/statuses', { status: 'liked a lot' });
    assert.equal((await post(bob, `/api/v1/statuses/${erinPost.body.id}/favourite`)).status, 200);
    // the sources' picks are kept 15 minutes (as Mastodon does): erin comes once they are ranked again
    assert.deepEqual(ids((await get(dan, '/api/v1/suggestions')).body), [carol.accountId, bob.accountId]);
    await forgetSuggestionPicks(instance.ctx, dan.accountId);
    const v2 = await get(dan, '/api/v2/suggestions');
    assert.equal(v2.status, 200, v2.text);
    assert.deepEqual(
      v2.body.map((s: { source: string; sources: string[]; account: { id: string } }) => [s.account.id, s.source, s.sources]),
      [
        [carol.accountId, 'past_interactions', ['friends_of_friends', 'most_followed']],
        [bob.accountId, 'past_interactions', ['friends_of_friends', 'most_followed']],
        [erin.accountId, 'global', ['most_interactions']],
      ],
    );
    assert.equal((await get(dan, '/api/v2/suggestions?limit=1')).body.length, 1);
    // alice is followed by dan already; nobody is suggested to themselves
    const forBob = (await get(bob, '/api/v2/suggestions')).body.map((s: { account: { id: string } }) => s.account.id);
    assert.ok(!forBob.includes(bob.accountId) && !forBob.includes(alice.accountId));
    const dismissed = await instance.request('DELETE', `/api/v1/suggestions/${carol.accountId}`, { token: dan.token });
    assert.equal(dismissed.status, 200, dismissed.text);
    assert.deepEqual(ids((await get(dan, '/api/v1/suggestions')).body), [bob.accountId, erin.accountId]);
    // whom alice follows is hidden: no longer friends of friends
    await instance.ctx.db.update(accounts).set({ hideCollections: true }).where(eq(accounts.id, alice.accountId));
    await forgetSuggestionPicks(instance.ctx, dan.accountId);
    const hidden = (await get(dan, '/api/v2/suggestions')).body.find((s: { account: { id: string } }) => s.account.id === bob.accountId);
    assert.deepEqual([hidden.source, hidden.sources], ['global', ['most_followed']]);
    await instance.ctx.db.update(accounts).set({ hideCollections: null }).where(eq(accounts.id, alice.accountId));
  });

  it('suggests friends of friends only if they are discoverable and not on a domain the member blocked', async () => {
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: remote });
    await instance.ctx.db.update(accounts).set({ discoverable: true }).where(eq(accounts.id, remote));
    const sourcesOf = async (id: string) => {
      await forgetSuggestionPicks(instance.ctx, dan.accountId);
      return (await get(dan, '/api/v2/suggestions')).body.find((s: { account: { id: string } }) => s.account.id === id)?.sources;
    };
    assert.deepEqual(await sourcesOf(remote), ['friends_of_friends']);
    assert.equal((await post(dan, '/api/v1/domain_blocks', { domain: 'remote.example' })).status, 200);
    // left out at once, though the picks are cached
    assert.ok(!ids((await get(dan, '/api/v1/suggestions')).body).includes(remote));
    assert.equal(await sourcesOf(remote), undefined);
    assert.equal((await instance.request('DELETE', '/api/v1/domain_blocks', { token: dan.token, form: { domain: 'remote.example' } })).status, 200);
    assert.deepEqual(await sourcesOf(remote), ['friends_of_friends']);
    await instance.ctx.db.update(accounts).set({ discoverable: null }).where(eq(accounts.id, remote));
    assert.equal(await sourcesOf(remote), undefined);
    await instance.ctx.db.update(accounts).set({ discoverable: true, memorial: true }).where(eq(accounts.id, remote));
    assert.equal(await sourcesOf(remote), undefined);
    await instance.ctx.db.update(accounts).set({ memorial: false }).where(eq(accounts.id, remote));
    await instance.ctx.db.delete(follows).where(and(eq(follows.accountId, alice.accountId), eq(follows.targetAccountId, remote)));
  });

  describe('account statuses', () => {
    let plain: string;
    let reply: string;
    let selfReply: string;
    let reblog: string;
    let privateOne: string;
    let tagged: string;

    before(async () => {
      const [tag] = await instance.ctx.db.insert(tags).values({ name: 'Dogs' }).returning();
      const other = await status(carol);
      plain = await status(bob);
      reply = await status(bob, { inReplyToId: other, inReplyToAccountId: carol.accountId });
      selfReply = await status(bob, { inReplyToId: plain, inReplyToAccountId: bob.accountId });
      reblog = await status(bob, { reblogOfId: other, text: '', content: '' });
      privateOne = await status(bob, { visibility: 'private' });
      tagged = await status(bob, { text: '#dogs' });
      await instance.ctx.db.insert(statusesTags).values({ statusId: tagged, tagId: tag!.id });
      await instance.ctx.db.insert(statusPins).values({ accountId: bob.accountId, statusId: plain });
    });

    it('shows followers-only statuses to followers only', async () => {
      const anonymous = await get(null, `/api/v1/accounts/${bob.accountId}/statuses`);
      assert.equal(anonymous.status, 200, anonymous.text);
      assert.deepEqual(ids(anonymous.body), [tagged, reblog, selfReply, reply, plain]);
      const stranger = await get(dan, `/api/v1/accounts/${bob.accountId}/statuses`);
      assert.ok(!ids(stranger.body).includes(privateOne));
      const follower = await get(alice, `/api/v1/accounts/${bob.accountId}/statuses`);
      assert.deepEqual(ids(follower.body), [tagged, privateOne, reblog, selfReply, reply, plain]);
      assert.ok(follower.body[2].reblog);
      assert.ok(ids((await get(bob, `/api/v1/accounts/${bob.accountId}/statuses`)).body).includes(privateOne));
    });

    it('filters', async () => {
      const path = `/api/v1/accounts/${bob.accountId}/statuses`;
      assert.deepEqual(ids((await get(null, `${path}?exclude_replies=true`)).body), [tagged, reblog, selfReply, plain]);
      assert.deepEqual(ids((await get(null, `${path}?exclude_reblogs=true`)).body), [tagged, selfReply, reply, plain]);
      assert.deepEqual(ids((await get(null, `${path}?tagged=DOGS`)).body), [tagged]);
      assert.deepEqual(ids((await get(null, `${path}?pinned=true`)).body), [plain]);
      assert.deepEqual((await get(null, `${path}?only_media=true`)).body, []);
    });

    it('pages with Link headers', async () => {
      const path = `/api/v1/accounts/${bob.accountId}/statuses`;
      const first = await get(null, `${path}?limit=2`);
      assert.deepEqual(ids(first.body), [tagged, reblog]);
      const second = await get(null, nextPath(first.headers.get('link')));
      assert.deepEqual(ids(second.body), [selfReply, reply]);
      assert.deepEqual(ids((await get(null, `${path}?min_id=${reply}&limit=2`)).body), [reblog, selfReply]);
    });

    it('leaves out reblogs of statuses the viewer may not see', async () => {
      const hidden = await status(carol, { visibility: 'private' });
      const hiddenReblog = await status(bob, { reblogOfId: hidden, text: '', content: '' });
      assert.ok(!ids((await get(dan, `/api/v1/accounts/${bob.accountId}/statuses`)).body).includes(hiddenReblog));
      // alice follows carol, so she sees it
      assert.ok(ids((await get(alice, `/api/v1/accounts/${bob.accountId}/statuses`)).body).includes(hiddenReblog));
      await instance.ctx.db.delete(statuses).where(eq(statuses.id, hiddenReblog));
    });

    it('shows nothing to an account the author blocks', async () => {
      await post(bob, `/api/v1/accounts/${dan.accountId}/block`);
      assert.deepEqual((await get(dan, `/api/v1/accounts/${bob.accountId}/statuses`)).body, []);
      await post(bob, `/api/v1/accounts/${dan.accountId}/unblock`);
    });
  });
});
