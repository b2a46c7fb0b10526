import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { bookmarks, favourites, statuses } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('bookmarks and favourites lists', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  async function createStatus(author: TestUser, content: string, values: Partial<typeof statuses.$inferInsert> = {}) {
    const [row] = await instance.ctx.db
      .insert(statuses)
      .values({ accountId: author.accountId, text: content, content: `<p>${content}</p>`, ...values })
      .returning();
    return row!.id;
  }

  const get = (user: TestUser, path: string) => instance.request('GET', path, { token: user.token });

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    bob = await instance.createUser('bob');
  });
  after(() => instance.close());

  for (const [name, table, flag] of [
    ['bookmarks', bookmarks, 'bookmarked'],
    ['favourites', favourites, 'favourited'],
  ] as const) {
    describe(name, () => {
      it('lists marked statuses newest mark first, paginated by the mark', async () => {
        const older = await createStatus(bob, 'older status');
        const newer = await createStatus(bob, 'newer status');
        const hidden = await createStatus(bob, 'followers only', { visibility: 'private' });
        // marked in the other order than posted: the list follows the marks
        const [m1] = await instance.ctx.db.insert(table).values({ accountId: alice.accountId, statusId: newer }).returning();
        const [m2] = await instance.ctx.db.insert(table).values({ accountId: alice.accountId, statusId: older }).returning();
        await instance.ctx.db.insert(table).values({ accountId: alice.accountId, statusId: hidden });

        const res = await get(alice, `/api/v1/${name}`);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(
          res.body.map((s: any) => s.id),
          [older, newer],
          'statuses alice cannot see are left out',
        );
        assert.equal(res.body[0][flag], true);
        const link = res.headers.get('link')!;
        assert.match(link, new RegExp(`max_id=${m1!.id}>; rel="next"`));
        assert.match(link, new RegExp(`min_id=${m2!.id}>; rel="prev"`));

        const page = await get(alice, `/api/v1/${name}?limit=1`);
        assert.deepEqual(
          page.body.map((s: any) => s.id),
          [older],
        );
        const next = await get(alice, `/api/v1/${name}?limit=1&max_id=${m2!.id}`);
        assert.deepEqual(
          next.body.map((s: any) => s.id),
          [newer],
        );
        assert.deepEqual((await get(bob, `/api/v1/${name}`)).body, []);

        await instance.ctx.db.update(statuses).set({ deletedAt: new Date() }).where(eq(statuses.id, older));
        assert.deepEqual(
          (await get(alice, `/api/v1/${name}`)).body.map((s: any) => s.id),
          [newer],
        );
        await instance.ctx.db.delete(table);
      });
    });
  }

  it('renders what filters find', async () => {
    const status = await createStatus(bob, 'spoilers ahead');
    await instance.ctx.db.insert(bookmarks).values({ accountId: alice.accountId, statusId: status });
    const filter = await instance.request('POST', '/api/v2/filters', {
      token: alice.token,
      json: { title: 'no spoilers', context: ['home'], keywords_attributes: [{ keyword: 'spoilers' }] },
    });
    assert.equal(filter.status, 200, filter.text);
    const res = await get(alice, '/api/v1/bookmarks');
    assert.equal(res.body[0].filtered.length, 1);
    assert.equal(res.body[0].filtered[0].filter.title, 'no spoilers');
    assert.deepEqual(res.body[0].filtered[0].keyword_matches, ['spoilers']);
    assert.equal(res.body[0].filtered[0].status_matches, null);
  });

  it('needs the right scopes', async () => {
    const limited = await instance.createUser('limited', { scopes: 'read:favourites' });
    assert.equal((await get(limited, '/api/v1/favourites')).status, 200);
    assert.equal((await get(limited, '/api/v1/bookmarks')).status, 403);
    assert.equal((await instance.request('GET', '/api/v1/bookmarks')).status, 401);
  });
});
