import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { accounts, blocks, conversationMutes, favourites, follows, mutes, notifications, statusPins, statuses } from '../../src/db/schema.ts';
import { loadAuthor, postStatus, type PostStatusInput } from '../../src/services/statuses/post-status.ts';
import { EVENTS_CHANNEL } from '../../src/services/instance/events.ts';
import { until } from '../helpers/until.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('status actions API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;

  async function post(user: TestUser, input: PostStatusInput): Promise<string> {
    const author = await loadAuthor(instance.ctx, user.accountId);
    const result = await postStatus(instance.ctx, author!, input);
    assert.equal(result.kind, 'status');
    return result.kind === 'status' ? result.status.id : '';
  }

  const act = (user: TestUser, id: string, action: string, form?: Record<string, string>) => instance.request('POST', `/api/v1/statuses/${id}/${action}`, { token: user.token, form });

  async function notificationRows(recipient: TestUser, type: string, statusId: string) {
    return instance.ctx.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.accountId, recipient.accountId), eq(notifications.type, type), eq(notifications.statusId, statusId)));
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dan = await instance.createUser('dan');
  });
  after(() => instance.close());

  describe('reblog', () => {
    it('boosts, counts, flags and notifies, and answers the boost wrapping the original', async () => {
      const id = await post(alice, { text: 'boost me' });
      const res = await act(bob, id, 'reblog');
      assert.equal(res.status, 200, res.text);
      assert.notEqual(res.body.id, id);
      assert.equal(res.body.reblog.id, id);
      assert.equal(res.body.reblog.reblogged, true);
      assert.equal(res.body.reblog.reblogs_count, 1);
      assert.equal(res.body.visibility, 'public');
      assert.equal(res.body.account.id, bob.accountId);
      assert.match(res.body.uri, new RegExp(`/users/bob/statuses/${res.body.id}/activity$`));

      const again = await act(bob, id, 'reblog');
      assert.equal(again.status, 200);
      assert.equal(again.body.id, res.body.id, 'a second boost answers the first');
      assert.equal(again.body.reblog.reblogs_count, 1);

      const seen = await act(alice, id, 'reblog');
      assert.equal(seen.status, 200, 'the author may boost their own public post');
      const [row] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, id));
      assert.equal(row!.reblogsCount, 2);
      assert.equal((await notificationRows(alice, 'reblog', id)).length, 1);

      const undo = await act(bob, id, 'unreblog');
      assert.equal(undo.status, 200, undo.text);
      assert.equal(undo.body.id, id);
      assert.equal(undo.body.reblogged, false);
      assert.equal(undo.body.reblogs_count, 1);
      const [gone] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, res.body.id));
      assert.ok(gone!.deletedAt, 'the boost is deleted');
      assert.equal((await notificationRows(alice, 'reblog', id)).length, 0);

      const twice = await act(bob, id, 'unreblog');
      assert.equal(twice.status, 200);
      assert.equal(twice.body.reblogged, false);

      const redo = await act(bob, id, 'reblog');
      assert.equal(redo.status, 200);
      assert.notEqual(redo.body.id, res.body.id, 'boosting again makes a new boost');
      assert.equal(redo.body.reblog.reblogs_count, 2);
    });

    it('boosting a boost boosts its original; visibility may be chosen', async () => {
      const id = await post(alice, { text: 'original' });
      const boost = await act(bob, id, 'reblog');
      const res = await act(carol, boost.body.id, 'reblog', { visibility: 'unlisted' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.reblog.id, id);
      assert.equal(res.body.visibility, 'unlisted');
      const bad = await act(dan, id, 'reblog', { visibility: 'sideways' });
      assert.equal(bad.status, 422);
    });

    it("refuses direct posts and others' private posts; hides what cannot be seen", async () => {
      const priv = await post(alice, { text: 'followers only', visibility: 'private' });
      const hidden = await act(bob, priv, 'reblog');
      assert.equal(hidden.status, 404);
      assert.equal(hidden.body.error, 'Record not found');
      await instance.ctx.db.insert(follows).values({ accountId: bob.accountId, targetAccountId: alice.accountId });
      try {
        const refused = await act(bob, priv, 'reblog');
        assert.equal(refused.status, 403);
        assert.equal(refused.body.error, 'This action is not allowed');
      } finally {
        await instance.ctx.db.delete(follows).where(eq(follows.accountId, bob.accountId));
      }
      const own = await act(alice, priv, 'reblog');
      assert.equal(own.status, 200, 'the author may boost their own private post');
      assert.equal(own.body.visibility, 'private');

      const direct = await post(alice, { text: 'hi @bob', visibility: 'direct' });
      const refusedDirect = await act(bob, direct, 'reblog');
      assert.equal(refusedDirect.status, 403);
      assert.equal((await act(bob, '99999999', 'reblog')).status, 404);
    });

    it('needs a user token with write:statuses', async () => {
      const id = await post(alice, { text: 'scoped' });
      assert.equal((await instance.request('POST', `/api/v1/statuses/${id}/reblog`)).status, 401);
      const token = await issueToken(instance.ctx, { applicationId: null, userId: bob.userId, scopes: ['write:favourites'] });
      const res = await instance.request('POST', `/api/v1/statuses/${id}/reblog`, { token: token.accessToken });
      assert.equal(res.status, 403);
    });
  });

  describe('favourite', () => {
    it('keeps favourites_count right under concurrent favourites, notifies, and takes it back', async () => {
      const id = await post(alice, { text: 'like me' });
      const [one, two, three] = await Promise.all([act(bob, id, 'favourite'), act(carol, id, 'favourite'), act(dan, id, 'favourite')]);
      for (const res of [one, two, three]) assert.equal(res!.status, 200, res!.text);
      assert.equal(one!.body.favourited, true);
      const [row] = await instance.ctx.db.select().from(statuses).where(eq(statuses.id, id));
      assert.equal(row!.favouritesCount, 3);
      const again = await act(bob, id, 'favourite');
      assert.equal(again.body.favourites_count, 3);
      assert.equal((await notificationRows(alice, 'favourite', id)).length, 3);

      const undo = await act(bob, id, 'unfavourite');
      assert.equal(undo.status, 200);
      assert.equal(undo.body.favourited, false);
      assert.equal(undo.body.favourites_count, 2);
      assert.equal((await notificationRows(alice, 'favourite', id)).length, 2);
      const viewed = await act(alice, id, 'favourite');
      assert.equal(viewed.body.favourites_count, 3);
      assert.equal((await notificationRows(alice, 'favourite', id)).length, 2, 'no notification about oneself');
    });

    it('favouriting or bookmarking a boost marks its original and answers the boost', async () => {
      const id = await post(alice, { text: 'via a boost' });
      const boost = await act(bob, id, 'reblog');
      const fav = await act(carol, boost.body.id, 'favourite');
      assert.equal(fav.status, 200, fav.text);
      assert.equal(fav.body.id, boost.body.id);
      assert.equal(fav.body.reblog.favourited, true);
      assert.equal(fav.body.reblog.favourites_count, 1);
      const mark = await act(carol, boost.body.id, 'bookmark');
      assert.equal(mark.body.reblog.bookmarked, true);
      const rows = await instance.ctx.db.select().from(favourites).where(eq(favourites.accountId, carol.accountId));
      assert.ok(rows.some((row) => row.statusId === id));
    });

    it('is refused for statuses the member cannot see', async () => {
      const priv = await post(alice, { text: 'secret', visibility: 'private' });
      const res = await act(bob, priv, 'favourite');
      assert.equal(res.status, 404);
      assert.equal((await act(bob, priv, 'unfavourite')).status, 404);
    });
  });

  describe('bookmark, pin, mute', () => {
    it('bookmarks and unbookmarks', async () => {
      const id = await post(alice, { text: 'keep' });
      const res = await act(bob, id, 'bookmark');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.bookmarked, true);
      assert.equal((await act(bob, id, 'bookmark')).body.bookmarked, true);
      const undo = await act(bob, id, 'unbookmark');
      assert.equal(undo.body.bookmarked, false);
    });

    it('pins up to five own statuses', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await post(carol, { text: `pin ${i}`, visibility: i === 0 ? 'private' : 'public' }));
      for (const id of ids.slice(0, 5)) {
        const res = await act(carol, id, 'pin');
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.pinned, true);
      }
      const over = await act(carol, ids[5]!, 'pin');
      assert.equal(over.status, 422);
      assert.equal(over.body.error, 'Validation failed: You have already pinned the maximum number of posts');
      const dup = await act(carol, ids[0]!, 'pin');
      assert.equal(dup.status, 422);

      const unpin = await act(carol, ids[0]!, 'unpin');
      assert.equal(unpin.status, 200);
      assert.equal(unpin.body.pinned, false);
      assert.equal((await act(carol, ids[5]!, 'pin')).status, 200);
      const rows = await instance.ctx.db.select().from(statusPins).where(eq(statusPins.accountId, carol.accountId));
      assert.equal(rows.length, 5);

      const others = await act(bob, ids[1]!, 'pin');
      assert.equal(others.status, 422);
      assert.equal(others.body.error, "Validation failed: Someone else's post cannot be pinned");
      const direct = await post(carol, { text: 'dm @bob', visibility: 'direct' });
      const pinDirect = await act(carol, direct, 'pin');
      assert.equal(pinDirect.status, 422);
      assert.match(pinDirect.body.error, /only visible to mentioned users/);
    });

    it('mutes and unmutes the conversation', async () => {
      const id = await post(alice, { text: 'thread' });
      const reply = await post(bob, { text: 'reply', inReplyToId: id });
      const res = await act(alice, reply, 'mute');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.muted, true);
      const rows = await instance.ctx.db.select().from(conversationMutes).where(eq(conversationMutes.accountId, alice.accountId));
      assert.equal(rows.length, 1);
      // the thread is muted: a favourite in it does not notify
      await act(bob, id, 'favourite');
      assert.equal((await notificationRows(alice, 'favourite', id)).length, 0);
      const undo = await act(alice, id, 'unmute');
      assert.equal(undo.body.muted, false);
      assert.equal((await act(alice, id, 'mute', undefined)).status, 200);
      assert.equal((await instance.request('POST', `/api/v1/statuses/${id}/unmute`, { token: alice.token })).body.muted, false);
    });
  });

  it('publishes the relation events the streaming tier follows (and none for status actions, which nothing consumes)', async () => {
    const seen: { type: string; accountId?: string; targetAccountId?: string }[] = [];
    const unsubscribe = await instance.ctx.pubsub.subscribe(EVENTS_CHANNEL, (message) => seen.push(JSON.parse(message)));
    try {
      const id = await post(bob, { text: 'eventful' });
      for (const action of ['favourite', 'unfavourite', 'bookmark', 'unbookmark', 'reblog', 'unreblog']) {
        assert.equal((await act(dan, id, action)).status, 200, action);
      }
      for (const action of ['mute', 'unmute', 'block', 'unblock']) {
        const response = await instance.request('POST', `/api/v1/accounts/${bob.accountId}/${action}`, { token: dan.token });
        assert.equal(response.status, 200, action);
      }
      const expected = ['mute.created', 'mute.removed', 'block.created', 'block.removed'];
      await until(async () => expected.every((type) => seen.some((event) => event.type === type)), 'the relation events');
      for (const event of seen) assert.deepEqual([event.accountId, event.targetAccountId], [dan.accountId, bob.accountId], event.type);
      assert.deepEqual(
        seen.map((event) => event.type),
        expected,
      );
    } finally {
      await unsubscribe();
    }
  });

  describe('reblogged_by and favourited_by', () => {
    it('lists accounts newest first with Link pagination, hiding blocked and muted accounts', async () => {
      const id = await post(alice, { text: 'popular' });
      for (const user of [bob, carol, dan]) assert.equal((await act(user, id, 'favourite')).status, 200);
      for (const user of [bob, carol, dan]) assert.equal((await act(user, id, 'reblog')).status, 200);

      const all = await instance.request('GET', `/api/v1/statuses/${id}/favourited_by`);
      assert.equal(all.status, 200, all.text);
      assert.deepEqual(
        all.body.map((a: { id: string }) => a.id),
        [dan.accountId, carol.accountId, bob.accountId],
      );

      const first = await instance.request('GET', `/api/v1/statuses/${id}/favourited_by?limit=2`, { token: alice.token });
      assert.deepEqual(
        first.body.map((a: { username: string }) => a.username),
        ['dan', 'carol'],
      );
      const link = first.headers.get('link')!;
      const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
      const second = await instance.request('GET', new URL(next).pathname + new URL(next).search, { token: alice.token });
      assert.deepEqual(
        second.body.map((a: { username: string }) => a.username),
        ['bob'],
      );

      const boosters = await instance.request('GET', `/api/v1/statuses/${id}/reblogged_by`, { token: alice.token });
      assert.equal(boosters.status, 200);
      assert.deepEqual(
        boosters.body.map((a: { username: string }) => a.username),
        ['dan', 'carol', 'bob'],
      );
      const page = await instance.request('GET', `/api/v1/statuses/${id}/reblogged_by?limit=1`);
      assert.equal(page.body.length, 1);
      assert.match(page.headers.get('link')!, /max_id=\d+>; rel="next"/);

      await instance.ctx.db.insert(blocks).values({ accountId: alice.accountId, targetAccountId: carol.accountId });
      await instance.ctx.db.insert(mutes).values({ accountId: alice.accountId, targetAccountId: dan.accountId });
      try {
        const filtered = await instance.request('GET', `/api/v1/statuses/${id}/favourited_by`, { token: alice.token });
        assert.deepEqual(
          filtered.body.map((a: { username: string }) => a.username),
          ['bob'],
        );
        const anonymous = await instance.request('GET', `/api/v1/statuses/${id}/reblogged_by`);
        assert.equal(anonymous.body.length, 3);
      } finally {
        await instance.ctx.db.delete(blocks).where(eq(blocks.accountId, alice.accountId));
        await instance.ctx.db.delete(mutes).where(eq(mutes.accountId, alice.accountId));
      }
    });

    it("is 404 for a private status's non-followers, and hides private boosts", async () => {
      const priv = await post(alice, { text: 'friends', visibility: 'private' });
      await instance.ctx.db.insert(follows).values({ accountId: carol.accountId, targetAccountId: alice.accountId });
      try {
        assert.equal((await act(carol, priv, 'favourite')).status, 200);
        const res = await instance.request('GET', `/api/v1/statuses/${priv}/favourited_by`, { token: bob.token });
        assert.equal(res.status, 404);
        assert.equal((await instance.request('GET', `/api/v1/statuses/${priv}/favourited_by`)).status, 404);
        const follower = await instance.request('GET', `/api/v1/statuses/${priv}/favourited_by`, { token: carol.token });
        assert.equal(follower.status, 200);
        assert.deepEqual(
          follower.body.map((a: { username: string }) => a.username),
          ['carol'],
        );
      } finally {
        await instance.ctx.db.delete(follows).where(eq(follows.accountId, carol.accountId));
      }
      const pub = await post(alice, { text: 'quiet boost' });
      await instance.ctx.db.update(accounts).set({ locked: true }).where(eq(accounts.id, bob.accountId));
      try {
        const boost = await act(bob, pub, 'reblog');
        assert.equal(boost.body.visibility, 'private', "a locked account's boost follows its default privacy");
        const list = await instance.request('GET', `/api/v1/statuses/${pub}/reblogged_by`);
        assert.deepEqual(list.body, []);
      } finally {
        await instance.ctx.db.update(accounts).set({ locked: false }).where(eq(accounts.id, bob.accountId));
      }
      const count = await instance.ctx.db.select().from(favourites).where(eq(favourites.statusId, priv));
      assert.equal(count.length, 1);
    });
  });
});
