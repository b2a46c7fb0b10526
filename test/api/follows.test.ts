import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { accounts, followRequests, follows, notifications } from '../../src/db/schema.ts';
import { rateLimitKey } from '../../src/services/instance/rate-limiter.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('follows API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;

  const post = (user: TestUser, path: string, form?: Record<string, string>) => instance.request('POST', path, { token: user.token, form });
  const counts = async (id: string) => {
    const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, id));
    return { followers: row!.followersCount, following: row!.followingCount };
  };
  const notificationTypes = async (recipient: TestUser, from: TestUser) =>
    (
      await instance.ctx.db
        .select({ type: notifications.type })
        .from(notifications)
        .where(and(eq(notifications.accountId, recipient.accountId), eq(notifications.fromAccountId, from.accountId)))
    )
      .map((row) => row.type)
      .sort();

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dan = await instance.createUser('dan');
    await instance.ctx.db.update(accounts).set({ locked: true }).where(eq(accounts.id, carol.accountId));
  });
  after(() => instance.close());

  it('follows an unlocked account at once and answers the relationship', async () => {
    const response = await post(alice, `/api/v1/accounts/${bob.accountId}/follow`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.id, bob.accountId);
    assert.equal(response.body.following, true);
    assert.equal(response.body.requested, false);
    assert.equal(response.body.showing_reblogs, true);
    assert.equal(response.body.notifying, false);
    assert.equal(response.body.languages, null);
    assert.equal(response.headers.get('x-ratelimit-limit'), '400');
    assert.equal(response.headers.get('x-ratelimit-remaining'), '399');
    assert.deepEqual(await counts(alice.accountId), { followers: 0, following: 1 });
    assert.deepEqual(await counts(bob.accountId), { followers: 1, following: 0 });
    assert.deepEqual(await notificationTypes(bob, alice), ['follow']);

    const seen = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${alice.accountId}`, { token: bob.token });
    assert.equal(seen.body[0].followed_by, true);
    const account = await instance.request('GET', `/api/v1/accounts/${bob.accountId}`);
    assert.equal(account.body.followers_count, 1);
  });

  it('following again changes the options only', async () => {
    const response = await instance.request('POST', `/api/v1/accounts/${bob.accountId}/follow`, {
      token: alice.token,
      json: { reblogs: false, notify: true, languages: ['en', 'de'] },
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.following, true);
    assert.equal(response.body.showing_reblogs, false);
    assert.equal(response.body.notifying, true);
    assert.deepEqual(response.body.languages, ['en', 'de']);
    const again = await post(alice, `/api/v1/accounts/${bob.accountId}/follow`, { notify: 'false' });
    assert.equal(again.body.showing_reblogs, false);
    assert.equal(again.body.notifying, false);
    assert.deepEqual(again.body.languages, ['en', 'de']);
    assert.deepEqual(await counts(bob.accountId), { followers: 1, following: 0 });
  });

  it('refuses to follow yourself, unknown accounts, and across blocks', async () => {
    assert.equal((await post(alice, `/api/v1/accounts/${alice.accountId}/follow`)).status, 404);
    assert.equal((await post(alice, '/api/v1/accounts/999999/follow')).status, 404);
    assert.equal((await post(dan, `/api/v1/accounts/${alice.accountId}/block`)).status, 200);
    const blocked = await post(alice, `/api/v1/accounts/${dan.accountId}/follow`);
    assert.equal(blocked.status, 403);
    assert.deepEqual(blocked.body, { error: 'This action is not allowed' });
    assert.equal((await post(dan, `/api/v1/accounts/${alice.accountId}/follow`)).status, 403);
    await post(dan, `/api/v1/accounts/${alice.accountId}/unblock`);
    assert.equal((await instance.request('POST', `/api/v1/accounts/${bob.accountId}/follow`)).status, 401);
  });

  it('unfollows', async () => {
    const response = await post(alice, `/api/v1/accounts/${bob.accountId}/unfollow`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.following, false);
    assert.equal(response.body.showing_reblogs, false);
    assert.deepEqual(await counts(alice.accountId), { followers: 0, following: 0 });
    assert.deepEqual(await counts(bob.accountId), { followers: 0, following: 0 });
    // unfollowing again is harmless
    assert.equal((await post(alice, `/api/v1/accounts/${bob.accountId}/unfollow`)).status, 200);
  });

  it('asks a locked account, which authorizes', async () => {
    const response = await post(alice, `/api/v1/accounts/${carol.accountId}/follow`, { reblogs: 'false' });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.following, false);
    assert.equal(response.body.requested, true);
    assert.equal(response.body.showing_reblogs, false);
    assert.deepEqual(await notificationTypes(carol, alice), ['follow_request']);
    assert.deepEqual(await counts(carol.accountId), { followers: 0, following: 0 });

    const pending = await instance.request('GET', '/api/v1/follow_requests', { token: carol.token });
    assert.equal(pending.status, 200, pending.text);
    assert.deepEqual(
      pending.body.map((a: { id: string }) => a.id),
      [alice.accountId],
    );
    const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: carol.token });
    assert.equal(me.body.source.follow_requests_count, 1);
    const rel = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${alice.accountId}`, { token: carol.token });
    assert.equal(rel.body[0].requested_by, true);

    assert.equal((await post(carol, `/api/v1/follow_requests/${bob.accountId}/authorize`)).status, 404);
    const authorized = await post(carol, `/api/v1/follow_requests/${alice.accountId}/authorize`);
    assert.equal(authorized.status, 200, authorized.text);
    assert.equal(authorized.body.id, alice.accountId);
    assert.equal(authorized.body.followed_by, true);
    assert.equal(authorized.body.requested_by, false);
    assert.deepEqual(await notificationTypes(carol, alice), ['follow']);
    assert.deepEqual(await counts(carol.accountId), { followers: 1, following: 0 });
    assert.deepEqual(await counts(alice.accountId), { followers: 0, following: 1 });
    const [follow] = await instance.ctx.db.select().from(follows).where(eq(follows.targetAccountId, carol.accountId));
    assert.equal(follow!.showReblogs, false);
    const empty = await instance.request('GET', '/api/v1/follow_requests', { token: carol.token });
    assert.deepEqual(empty.body, []);
  });

  it('rejects a request, and a requester may withdraw one', async () => {
    await post(bob, `/api/v1/accounts/${carol.accountId}/follow`);
    const rejected = await post(carol, `/api/v1/follow_requests/${bob.accountId}/reject`);
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.body.followed_by, false);
    assert.equal(rejected.body.requested_by, false);
    assert.deepEqual(await notificationTypes(carol, bob), []);

    await post(dan, `/api/v1/accounts/${carol.accountId}/follow`);
    assert.equal((await instance.ctx.db.select().from(followRequests).where(eq(followRequests.accountId, dan.accountId))).length, 1);
    const withdrawn = await post(dan, `/api/v1/accounts/${carol.accountId}/unfollow`);
    assert.equal(withdrawn.body.requested, false);
    assert.equal((await instance.ctx.db.select().from(followRequests).where(eq(followRequests.accountId, dan.accountId))).length, 0);
    assert.deepEqual(await notificationTypes(carol, dan), []);
  });

  it('removes a follower', async () => {
    const response = await post(carol, `/api/v1/accounts/${alice.accountId}/remove_from_followers`);
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.followed_by, false);
    assert.deepEqual(await counts(carol.accountId), { followers: 0, following: 0 });
  });

  it('keeps a private note', async () => {
    const set = await post(alice, `/api/v1/accounts/${bob.accountId}/note`, { comment: 'met at the café' });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.note, 'met at the café');
    const tooLong = await post(alice, `/api/v1/accounts/${bob.accountId}/note`, { comment: 'x'.repeat(2001) });
    assert.equal(tooLong.status, 422);
    assert.match(tooLong.body.error, /Comment is too long/);
    const cleared = await post(alice, `/api/v1/accounts/${bob.accountId}/note`, { comment: '' });
    assert.equal(cleared.body.note, '');
  });

  it('endorses followed accounts only', async () => {
    const refused = await post(alice, `/api/v1/accounts/${bob.accountId}/endorse`);
    assert.equal(refused.status, 422);
    await post(alice, `/api/v1/accounts/${bob.accountId}/follow`);
    const endorsed = await post(alice, `/api/v1/accounts/${bob.accountId}/pin`);
    assert.equal(endorsed.status, 200, endorsed.text);
    assert.equal(endorsed.body.endorsed, true);
    const list = await instance.request('GET', '/api/v1/endorsements', { token: alice.token });
    assert.deepEqual(
      list.body.map((a: { id: string }) => a.id),
      [bob.accountId],
    );
    const featured = await instance.request('GET', `/api/v1/accounts/${alice.accountId}/endorsements`);
    assert.deepEqual(
      featured.body.map((a: { id: string }) => a.id),
      [bob.accountId],
    );
    const unendorsed = await post(alice, `/api/v1/accounts/${bob.accountId}/unendorse`);
    assert.equal(unendorsed.body.endorsed, false);
  });

  it('limits follows to 400 a day', async () => {
    await instance.ctx.cache.set(rateLimitKey(dan.accountId, 'follows'), '400', 3600);
    const response = await post(dan, `/api/v1/accounts/${bob.accountId}/follow`);
    assert.equal(response.status, 429, response.text);
    assert.deepEqual(response.body, { error: 'Too many requests' });
    assert.equal(response.headers.get('x-ratelimit-limit'), '400');
    assert.equal(response.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(response.headers.get('x-ratelimit-reset'));
    const rel = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${bob.accountId}`, { token: dan.token });
    assert.equal(rel.body[0].following, false);
  });
});
