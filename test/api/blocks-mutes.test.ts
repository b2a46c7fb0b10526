import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { accounts, followRequests, follows, mutes, notifications } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('blocks, mutes and domain blocks API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dan: TestUser;
  let remote1: string;
  let remote2: string;

  const post = (user: TestUser, path: string, form?: Record<string, string>) => instance.request('POST', path, { token: user.token, form });
  const get = (user: TestUser | null, path: string) => instance.request('GET', path, user ? { token: user.token } : {});
  const ids = (body: { id: string }[]) => body.map((a) => a.id);
  const counts = async (id: string) => {
    const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, id));
    return { followers: row!.followersCount, following: row!.followingCount };
  };
  async function remoteAccount(username: string, domain: string): Promise<string> {
    const [row] = await instance.ctx.db
      .insert(accounts)
      .values({ username, domain, uri: `https://${domain}/users/${username}` })
      .returning();
    return row!.id;
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
    carol = await instance.createUser('carol');
    dan = await instance.createUser('dan');
    remote1 = await remoteAccount('eve', 'evil.example');
    remote2 = await remoteAccount('mallory', 'evil.example');
  });
  after(() => instance.close());

  it('a block severs follows both ways', async () => {
    await post(alice, `/api/v1/accounts/${bob.accountId}/follow`);
    await post(bob, `/api/v1/accounts/${alice.accountId}/follow`);
    assert.deepEqual(await counts(alice.accountId), { followers: 1, following: 1 });
    const blocked = await post(alice, `/api/v1/accounts/${bob.accountId}/block`);
    assert.equal(blocked.status, 200, blocked.text);
    assert.equal(blocked.body.blocking, true);
    assert.equal(blocked.body.following, false);
    assert.equal(blocked.body.followed_by, false);
    assert.deepEqual(await counts(alice.accountId), { followers: 0, following: 0 });
    assert.deepEqual(await counts(bob.accountId), { followers: 0, following: 0 });
    const seen = await get(bob, `/api/v1/accounts/relationships?id[]=${alice.accountId}`);
    assert.equal(seen.body[0].blocked_by, true);
  });

  it('a block also drops pending requests both ways', async () => {
    await instance.ctx.db.update(accounts).set({ locked: true }).where(eq(accounts.id, dan.accountId));
    await post(carol, `/api/v1/accounts/${dan.accountId}/follow`);
    assert.equal((await instance.ctx.db.select().from(followRequests)).length, 1);
    await post(dan, `/api/v1/accounts/${carol.accountId}/block`);
    assert.equal((await instance.ctx.db.select().from(followRequests)).length, 0);
    const types = await instance.ctx.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.accountId, dan.accountId), eq(notifications.type, 'follow_request')));
    assert.equal(types.length, 0);
    await post(dan, `/api/v1/accounts/${carol.accountId}/unblock`);
    await instance.ctx.db.update(accounts).set({ locked: false }).where(eq(accounts.id, dan.accountId));
  });

  it('lists blocks with Link pagination, and unblocks', async () => {
    await post(alice, `/api/v1/accounts/${carol.accountId}/block`);
    await post(alice, `/api/v1/accounts/${dan.accountId}/block`);
    const all = await get(alice, '/api/v1/blocks');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(ids(all.body), [dan.accountId, carol.accountId, bob.accountId]);
    const first = await get(alice, '/api/v1/blocks?limit=2');
    assert.deepEqual(ids(first.body), [dan.accountId, carol.accountId]);
    const link = first.headers.get('link')!;
    assert.match(link, /rel="next"/);
    assert.match(link, /rel="prev"/);
    const next = new URL(/<([^>]+)>; rel="next"/.exec(link)![1]!);
    const second = await get(alice, `${next.pathname}${next.search}`);
    assert.deepEqual(ids(second.body), [bob.accountId]);
    assert.equal((await get(null, '/api/v1/blocks')).status, 401);

    for (const user of [bob, carol, dan]) {
      const response = await post(alice, `/api/v1/accounts/${user.accountId}/unblock`);
      assert.equal(response.body.blocking, false);
    }
    assert.deepEqual((await get(alice, '/api/v1/blocks')).body, []);
  });

  it('mutes with and without notifications, and lists mutes', async () => {
    const muted = await post(alice, `/api/v1/accounts/${bob.accountId}/mute`);
    assert.equal(muted.status, 200, muted.text);
    assert.equal(muted.body.muting, true);
    assert.equal(muted.body.muting_notifications, true);
    const soft = await post(alice, `/api/v1/accounts/${carol.accountId}/mute`, { notifications: 'false', duration: '3600' });
    assert.equal(soft.body.muting, true);
    assert.equal(soft.body.muting_notifications, false);

    const list = await get(alice, '/api/v1/mutes');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(ids(list.body), [carol.accountId, bob.accountId]);
    assert.equal(list.body[1].mute_expires_at, null);
    const expires = Date.parse(list.body[0].mute_expires_at);
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 60_000);
    const paged = await get(alice, '/api/v1/mutes?limit=1');
    assert.deepEqual(ids(paged.body), [carol.accountId]);
    assert.match(paged.headers.get('link')!, /max_id=/);
  });

  it('an expired mute no longer counts', async () => {
    await instance.ctx.db
      .update(mutes)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(mutes.accountId, alice.accountId), eq(mutes.targetAccountId, carol.accountId)));
    const rel = await get(alice, `/api/v1/accounts/relationships?id[]=${carol.accountId}`);
    assert.equal(rel.body[0].muting, false);
    assert.deepEqual(ids((await get(alice, '/api/v1/mutes')).body), [bob.accountId]);
  });

  it('unmutes', async () => {
    const response = await post(alice, `/api/v1/accounts/${bob.accountId}/unmute`);
    assert.equal(response.body.muting, false);
    assert.deepEqual((await get(alice, '/api/v1/mutes')).body, []);
  });

  it('hides blocked accounts from followers lists', async () => {
    await post(bob, `/api/v1/accounts/${dan.accountId}/follow`);
    await post(carol, `/api/v1/accounts/${dan.accountId}/follow`);
    const before = await get(alice, `/api/v1/accounts/${dan.accountId}/followers`);
    assert.deepEqual(ids(before.body), [carol.accountId, bob.accountId]);
    await post(alice, `/api/v1/accounts/${bob.accountId}/block`);
    const after = await get(alice, `/api/v1/accounts/${dan.accountId}/followers`);
    assert.deepEqual(ids(after.body), [carol.accountId]);
    // dan himself still sees every follower
    assert.deepEqual(ids((await get(dan, `/api/v1/accounts/${dan.accountId}/followers`)).body), [carol.accountId, bob.accountId]);
    // someone blocked by the account sees nothing
    await post(dan, `/api/v1/accounts/${alice.accountId}/block`);
    assert.deepEqual((await get(alice, `/api/v1/accounts/${dan.accountId}/followers`)).body, []);
    await post(dan, `/api/v1/accounts/${alice.accountId}/unblock`);
    await post(alice, `/api/v1/accounts/${bob.accountId}/unblock`);
  });

  it('blocks domains: followers from there are removed', async () => {
    await instance.ctx.db.insert(follows).values([
      { accountId: remote1, targetAccountId: alice.accountId },
      { accountId: remote2, targetAccountId: alice.accountId },
      { accountId: alice.accountId, targetAccountId: remote1 },
    ]);
    await instance.ctx.db.insert(notifications).values({ accountId: alice.accountId, fromAccountId: remote2, type: 'follow' });
    const preview = await get(alice, '/api/v1/domain_blocks/preview?domain=evil.example');
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(preview.body, { following_count: 1, followers_count: 2 });
    const blocked = await post(alice, '/api/v1/domain_blocks', { domain: 'Evil.Example' });
    assert.equal(blocked.status, 200, blocked.text);
    assert.deepEqual(blocked.body, {});
    await post(alice, '/api/v1/domain_blocks', { domain: 'other.example' });
    assert.equal((await post(alice, '/api/v1/domain_blocks', { domain: '' })).status, 422);
    assert.equal((await post(alice, '/api/v1/domain_blocks', { domain: 'not a domain' })).status, 422);

    const list = await get(alice, '/api/v1/domain_blocks');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body, ['other.example', 'evil.example']);
    const paged = await get(alice, '/api/v1/domain_blocks?limit=1');
    assert.deepEqual(paged.body, ['other.example']);
    assert.match(paged.headers.get('link')!, /rel="next"/);

    const remaining = await instance.ctx.db.select().from(follows).where(eq(follows.targetAccountId, alice.accountId));
    assert.deepEqual(remaining, []);
    // her own follow of someone there stays
    assert.equal((await instance.ctx.db.select().from(follows).where(eq(follows.accountId, alice.accountId))).length, 1);
    assert.equal((await instance.ctx.db.select().from(notifications).where(eq(notifications.fromAccountId, remote2))).length, 0);
    const rel = await get(alice, `/api/v1/accounts/relationships?id[]=${remote1}`);
    assert.equal(rel.body[0].domain_blocking, true);
    assert.equal((await post(alice, `/api/v1/accounts/${remote2}/follow`)).status, 403);

    const removed = await instance.request('DELETE', '/api/v1/domain_blocks', { token: alice.token, form: { domain: 'evil.example' } });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual((await get(alice, '/api/v1/domain_blocks')).body, ['other.example']);
  });
});
