import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OrderedCollection, OrderedCollectionPage } from '@fedify/vocab';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { BASE } from '../helpers/constants.ts';

const AP = { accept: 'application/activity+json' };
const asArray = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe('actor collections', () => {
  let instance: TestInstance;
  let alice: TestUser;
  const fans: TestUser[] = [];

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    for (let n = 0; n < 22; n++) {
      const fan = await instance.createUser(`fan${n}`);
      const follow = await instance.request('POST', `/api/v1/accounts/${alice.accountId}/follow`, { token: fan.token });
      assert.equal(follow.status, 200, follow.text);
      fans.push(fan);
    }
    for (const fan of fans.slice(0, 2)) await instance.request('POST', `/api/v1/accounts/${fan.accountId}/follow`, { token: alice.token });
  });
  after(() => instance.close());

  const get = async (url: string) => {
    const parsed = new URL(url, BASE);
    return instance.request('GET', parsed.pathname + parsed.search, { headers: AP });
  };

  /** Every item of an ordered collection, following `first` and `next`, with the number of pages. */
  async function walk(path: string): Promise<{ totalItems: number; items: unknown[]; pages: number }> {
    const collection = await get(path);
    assert.equal(collection.status, 200, collection.text);
    assert.equal(collection.body.type, 'OrderedCollection');
    assert.ok((await OrderedCollection.fromJsonLd(collection.body)) instanceof OrderedCollection);
    const items: unknown[] = [];
    let pages = 0;
    for (let next: string | undefined = collection.body.first; next; pages++) {
      const page = await get(next);
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.type, 'OrderedCollectionPage');
      assert.equal(page.body.partOf, `${BASE}${path}`);
      assert.ok(asArray(page.body.orderedItems).length <= 20);
      assert.ok((await OrderedCollectionPage.fromJsonLd(page.body)) instanceof OrderedCollectionPage);
      items.push(...asArray(page.body.orderedItems));
      next = page.body.next;
    }
    return { totalItems: collection.body.totalItems, items, pages };
  }

  it('pages the followers by 20, newest first, as actor URIs', async () => {
    const { totalItems, items, pages } = await walk('/users/alice/followers');
    assert.equal(totalItems, 22);
    assert.equal(pages, 2);
    assert.deepEqual(items, fans.map((fan) => `${BASE}/users/${fan.username}`).reverse());
  });

  it('lists whom the member follows', async () => {
    const { totalItems, items } = await walk('/users/alice/following');
    assert.equal(totalItems, 2);
    assert.deepEqual(items, [`${BASE}/users/fan1`, `${BASE}/users/fan0`]);
  });

  it('shows only the counts of hidden collections', async () => {
    const hider = fans[21]!;
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: hider.token, json: { hide_collections: true } });
    for (const collection of ['followers', 'following']) {
      const response = await get(`/users/fan21/${collection}`);
      assert.equal(response.status, 200);
      assert.equal(response.body.totalItems, collection === 'following' ? 1 : 0);
      assert.equal((await get(response.body.first)).status, 404, 'its pages are refused');
    }
  });

  it('puts the public and unlisted posts and boosts in the outbox, 20 a page, newest first', async () => {
    const posted: string[] = [];
    for (let n = 0; n < 21; n++) {
      const status = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: `post ${n}`, visibility: n % 2 ? 'unlisted' : 'public' } });
      posted.push(status.body.uri);
    }
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'hidden', visibility: 'private' } });
    const fanPost = await instance.request('POST', '/api/v1/statuses', { token: fans[0]!.token, json: { status: 'boosted' } });
    const boost = await instance.request('POST', `/api/v1/statuses/${fanPost.body.id}/reblog`, { token: alice.token });

    const { totalItems, items, pages } = await walk('/users/alice/outbox');
    assert.equal(totalItems, 23, 'Mastodon counts every post');
    assert.equal(pages, 2);
    const activities = items as { type: string; id: string; object: string | { id: string } }[];
    assert.equal(activities.length, 22);
    assert.deepEqual(activities[0], { ...activities[0], type: 'Announce', id: boost.body.uri, object: fanPost.body.uri });
    assert.deepEqual(
      activities.slice(1).map((activity) => [activity.type, typeof activity.object === 'object' ? activity.object.id : activity.object]),
      posted.reverse().map((uri) => ['Create', uri]),
    );
  });

  it('features pinned posts as Notes and featured hashtags', async () => {
    const pinned = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'pinned post' } });
    const hidden = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'pinned but private', visibility: 'private' } });
    for (const status of [pinned, hidden]) {
      const pin = await instance.request('POST', `/api/v1/statuses/${status.body.id}/pin`, { token: alice.token });
      assert.equal(pin.status, 200, pin.text);
    }
    const featured = await get('/users/alice/collections/featured');
    assert.equal(featured.status, 200);
    assert.equal(featured.body.type, 'OrderedCollection');
    assert.equal(featured.body.totalItems, 1);
    const items = asArray(featured.body.orderedItems) as { type: string; id: string }[];
    assert.deepEqual(
      items.map((item) => [item.type, item.id]),
      [['Note', pinned.body.uri]],
    );

    const tag = await instance.request('POST', '/api/v1/featured_tags', { token: alice.token, json: { name: 'Subspace' } });
    assert.equal(tag.status, 200, tag.text);
    const tags = await get('/users/alice/collections/tags');
    assert.equal(tags.status, 200);
    const hashtags = asArray(tags.body.orderedItems) as Record<string, string>[];
    assert.deepEqual(
      hashtags.map(({ type, href, name }) => ({ type, href, name })),
      [{ type: 'Hashtag', href: `${BASE}/tags/subspace`, name: '#Subspace' }],
    );
  });

  it('answers 404 for the collections of unknown accounts, and for HTML requests', async () => {
    for (const collection of ['followers', 'following', 'outbox', 'collections/featured', 'collections/tags']) {
      assert.equal((await get(`/users/nobody/${collection}`)).status, 404, collection);
    }
    assert.equal((await instance.request('GET', '/users/alice/outbox', { headers: { accept: 'text/html' } })).status, 404);
  });
});
