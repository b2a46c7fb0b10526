import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { statuses, statusesTags, tags } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('tags API', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  const call = (method: string, user: TestUser | null, path: string, json?: unknown) => instance.request(method, path, { token: user?.token, json });

  async function tag(name: string): Promise<string> {
    const [row] = await instance.ctx.db.insert(tags).values({ name }).returning();
    return row!.id;
  }

  async function tagged(author: TestUser, tagIds: string[], values: Partial<typeof statuses.$inferInsert> = {}) {
    const [row] = await instance.ctx.db
      .insert(statuses)
      .values({ accountId: author.accountId, text: 'x', content: '<p>x</p>', ...values })
      .returning();
    for (const tagId of tagIds) await instance.ctx.db.insert(statusesTags).values({ statusId: row!.id, tagId });
    return row!;
  }

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(() => instance.close());

  it('shows a tag by name, case-insensitively, with its history', async () => {
    const id = await tag('SubSpace');
    await tagged(bob, [id]);
    const anonymous = await call('GET', null, '/api/v1/tags/subspace');
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.equal(anonymous.body.id, id);
    assert.equal(anonymous.body.name, 'SubSpace');
    assert.equal(anonymous.body.url, 'http://subspace.test/tags/subspace');
    assert.equal(anonymous.body.following, undefined);
    assert.equal(anonymous.body.history.length, 7);
    assert.deepEqual({ uses: anonymous.body.history[0].uses, accounts: anonymous.body.history[0].accounts }, { uses: '1', accounts: '1' });
    assert.match(anonymous.body.history[0].day, /^\d+$/);
    const signedIn = await call('GET', alice, '/api/v1/tags/SUBSPACE');
    assert.equal(signedIn.body.following, false);
    assert.equal(signedIn.body.featuring, false);
    assert.equal((await call('GET', alice, '/api/v1/tags/nothing_here')).status, 404);
    assert.equal((await call('GET', alice, '/api/v1/tags/12345')).status, 404, 'all digits is no hashtag');
  });

  it('follows and unfollows tags, creating unknown ones', async () => {
    const followed = await call('POST', alice, '/api/v1/tags/NewTag/follow');
    assert.equal(followed.status, 200, followed.text);
    assert.equal(followed.body.name, 'NewTag');
    assert.equal(followed.body.following, true);
    assert.equal((await call('GET', alice, '/api/v1/tags/newtag')).body.following, true);
    assert.equal((await call('GET', bob, '/api/v1/tags/newtag')).body.following, false);
    const again = await call('POST', alice, '/api/v1/tags/newtag/follow');
    assert.equal(again.status, 200);
    await call('POST', alice, '/api/v1/tags/subspace/follow');

    const list = await call('GET', alice, '/api/v1/followed_tags');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((t: any) => t.name),
      ['SubSpace', 'NewTag'],
    );
    assert.ok(list.body.every((t: any) => t.following === true));
    const page = await call('GET', alice, '/api/v1/followed_tags?limit=1');
    assert.deepEqual(
      page.body.map((t: any) => t.name),
      ['SubSpace'],
    );
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link')!)![1]!;
    const page2 = await call('GET', alice, new URL(next).pathname + new URL(next).search);
    assert.deepEqual(
      page2.body.map((t: any) => t.name),
      ['NewTag'],
    );

    const unfollowed = await call('POST', alice, '/api/v1/tags/NEWTAG/unfollow');
    assert.equal(unfollowed.body.following, false);
    assert.deepEqual(
      (await call('GET', alice, '/api/v1/followed_tags')).body.map((t: any) => t.name),
      ['SubSpace'],
    );
    assert.equal((await call('POST', alice, '/api/v1/tags/bad-name/follow')).status, 404);
    assert.equal((await call('POST', null, '/api/v1/tags/x/follow')).status, 401);
  });

  it('features tags with counts from the member’s statuses', async () => {
    const cats = await tag('Cats');
    await tagged(alice, [cats]);
    const latest = await tagged(alice, [cats]);
    await tagged(alice, [cats], { visibility: 'direct' });
    await tagged(bob, [cats]);

    const created = await call('POST', alice, '/api/v1/featured_tags', { name: '#cats' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.name, 'Cats');
    assert.equal(created.body.url, 'http://subspace.test/@alice/tagged/cats');
    assert.equal(created.body.statuses_count, '2');
    assert.equal(created.body.last_status_at, latest.createdAt.toISOString().slice(0, 10));

    const list = await call('GET', alice, '/api/v1/featured_tags');
    assert.deepEqual(list.body, [created.body]);
    assert.equal((await call('GET', alice, '/api/v1/tags/cats')).body.featuring, true);
    assert.equal((await call('POST', alice, '/api/v1/featured_tags', { name: 'not valid!' })).status, 422);
    assert.equal((await call('POST', alice, '/api/v1/featured_tags', { name: '' })).status, 422);

    const suggested = await call('GET', alice, '/api/v1/featured_tags/suggestions');
    assert.equal(suggested.status, 200);
    assert.ok(!suggested.body.some((t: any) => t.name === 'Cats'), 'featured tags are not suggested');
    const dogs = await tag('Dogs');
    await tagged(alice, [dogs]);
    assert.deepEqual(
      (await call('GET', alice, '/api/v1/featured_tags/suggestions')).body.map((t: any) => t.name),
      ['Dogs'],
    );

    assert.equal((await call('DELETE', bob, `/api/v1/featured_tags/${created.body.id}`)).status, 404);
    assert.deepEqual((await call('DELETE', alice, `/api/v1/featured_tags/${created.body.id}`)).body, {});
    assert.deepEqual((await call('GET', alice, '/api/v1/featured_tags')).body, []);

    const featured = await call('POST', alice, '/api/v1/tags/dogs/feature');
    assert.equal(featured.status, 200, featured.text);
    assert.equal(featured.body.featuring, true);
    assert.deepEqual(
      (await call('GET', alice, '/api/v1/featured_tags')).body.map((t: any) => t.name),
      ['Dogs'],
    );
    const unfeatured = await call('POST', alice, '/api/v1/tags/dogs/unfeature');
    assert.equal(unfeatured.body.featuring, false);

    for (let i = 0; i < 10; i++) assert.equal((await call('POST', alice, '/api/v1/featured_tags', { name: `tag${i}x` })).status, 200);
    const over = await call('POST', alice, '/api/v1/featured_tags', { name: 'onetoomany' });
    assert.equal(over.status, 422);
    assert.equal(over.body.error, 'Validation failed: You have already featured the maximum number of hashtags');
  });
});
