import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot } from '../../src/roles/boot.ts';
import { pngImage } from '../helpers/link-pages.ts';
import { request, startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { modifyLocalEmoji, saveLocalEmoji } from '../../src/services/emojis/local-emojis.ts';

/**
 * A status rendered once is kept rendered (its viewer-independent parts, in the shared cache);
 * whatever changes it shows at once on the next rendering, through every path that shows it.
 */
describe('cached status renderings', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;

  const call = async (user: TestUser, method: string, path: string, json?: unknown) => {
    const response = await instance.request(method, path, { token: user.token, json });
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };
  const home = async () => (await call(alice, 'GET', '/api/v1/timelines/home?limit=40')) as any[];
  const onHome = async (id: string) => (await home()).find((status) => status.id === id);
  const shown = (id: string) => call(alice, 'GET', `/api/v1/statuses/${id}`);

  before(async () => {
    instance = await startInstance();
    [alice, bob] = await Promise.all([instance.createUser('alice'), instance.createUser('bob')]);
    await call(alice, 'POST', `/api/v1/accounts/${bob.accountId}/follow`);
  });
  after(() => instance?.close());

  /** bob posts; alice has it rendered (and so cached) on her home timeline and on its own */
  async function renderedOnce(json: Record<string, unknown>) {
    const status = await call(bob, 'POST', '/api/v1/statuses', json);
    let first: any;
    for (let i = 0; i < 100 && !(first = await onHome(status.id)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(first, 'the status reached the home timeline');
    await shown(status.id);
    return first;
  }

  test('an edit shows at once, with its new mentions and tags', async () => {
    const first = await renderedOnce({ status: 'first words #before' });
    assert.deepEqual(
      first.tags.map((tag: { name: string }) => tag.name),
      ['before'],
    );
    await call(bob, 'PUT', `/api/v1/statuses/${first.id}`, { status: `@${alice.username} second words #after` });
    for (const edited of [await onHome(first.id), await shown(first.id)]) {
      assert.match(edited.content, /second words/);
      assert.deepEqual(
        edited.tags.map((tag: { name: string }) => tag.name),
        ['after'],
      );
      assert.deepEqual(
        edited.mentions.map((mention: { id: string }) => mention.id),
        [alice.accountId],
      );
      assert.ok(edited.edited_at);
    }
  });

  test('a deleted status is gone', async () => {
    const first = await renderedOnce({ status: 'soon gone' });
    await call(bob, 'DELETE', `/api/v1/statuses/${first.id}`);
    assert.equal(await onHome(first.id), undefined);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${first.id}`, { token: alice.token })).status, 404);
  });

  test('a vote shows in the poll and its counts', async () => {
    const first = await renderedOnce({ status: 'which?', poll: { options: ['this', 'that'], expires_in: 3600 } });
    assert.equal(first.poll.voted, false);
    await call(alice, 'POST', `/api/v1/polls/${first.poll.id}/votes`, { choices: [1] });
    for (const voted of [await onHome(first.id), await shown(first.id)]) {
      assert.equal(voted.poll.voted, true);
      assert.deepEqual(voted.poll.own_votes, [1]);
      assert.equal(voted.poll.votes_count, 1);
      assert.deepEqual(
        voted.poll.options.map((option: { votes_count: number }) => option.votes_count),
        [0, 1],
      );
    }
  });

  test('favourites and reblogs show in the counts at once', async () => {
    const first = await renderedOnce({ status: 'counted' });
    await call(alice, 'POST', `/api/v1/statuses/${first.id}/favourite`);
    const counted = await shown(first.id);
    assert.equal(counted.favourites_count, 1);
    assert.equal(counted.favourited, true);
  });

  test("the author's new display name and avatar show on statuses rendered before", async () => {
    const first = await renderedOnce({ status: 'who am I' });
    await call(bob, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Robert' });
    const form = new FormData();
    form.append('avatar', new Blob([new Uint8Array(await pngImage(64, 64))], { type: 'image/png' }), 'me.png');
    const response = await fetch(`${instance.url}/api/v1/accounts/update_credentials`, { method: 'PATCH', headers: { authorization: `Bearer ${bob.token}` }, body: form });
    const updated = await response.json();
    assert.equal(response.status, 200);
    assert.notEqual(updated.avatar, first.account.avatar);
    for (const again of [await onHome(first.id), await shown(first.id)]) {
      assert.equal(again.account.display_name, 'Robert');
      assert.equal(again.account.avatar, updated.avatar);
    }
  });

  test('a new keyword filter catches a status rendered before', async () => {
    const first = await renderedOnce({ status: 'all about brussels sprouts' });
    assert.deepEqual(first.filtered, []);
    const filter = await call(alice, 'POST', '/api/v2/filters', { title: 'veg', context: ['home'], filter_action: 'hide', keywords_attributes: [{ keyword: 'sprouts' }] });
    for (const again of [await onHome(first.id), await shown(first.id)]) {
      assert.equal(again?.filtered.length, 1, JSON.stringify(again));
      assert.equal(again.filtered[0].filter.id, filter.id);
      assert.deepEqual(again.filtered[0].keyword_matches, ['sprouts']);
    }
  });

  test('a custom emoji added shows in statuses and profiles rendered before, and goes when disabled', async () => {
    await call(bob, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Bob :rendercat:' });
    const first = await renderedOnce({ status: 'hello :rendercat:' });
    assert.deepEqual(first.emojis, []);
    assert.deepEqual(first.account.emojis, []);
    assert.equal(await saveLocalEmoji(instance.ctx, { shortcode: 'rendercat', bytes: await pngImage(16, 16) }), 'created');
    for (const again of [await onHome(first.id), await shown(first.id)]) {
      assert.deepEqual(
        again.emojis.map((emoji: { shortcode: string }) => emoji.shortcode),
        ['rendercat'],
      );
      assert.deepEqual(
        again.account.emojis.map((emoji: { shortcode: string }) => emoji.shortcode),
        ['rendercat'],
      );
    }
    await modifyLocalEmoji(instance.ctx, 'rendercat', { disabled: true });
    for (const again of [await onHome(first.id), await shown(first.id)]) {
      assert.deepEqual(again.emojis, []);
      assert.deepEqual(again.account.emojis, []);
    }
  });

  test("a new post shows in its author's statuses_count on statuses rendered before", async () => {
    const first = await renderedOnce({ status: 'counting mine' });
    await call(bob, 'POST', '/api/v1/statuses', { status: 'one more' });
    assert.equal((await shown(first.id)).account.statuses_count, first.account.statuses_count + 1);
  });

  test('server mode: a change made through another web process shows in what this one rendered before', {
    skip: process.env.DATABASE_URL ? false : 'two processes share a database in server mode only',
  }, async () => {
    const other = await boot(loadConfig(instance.env), { web: true }, { log: createLogger('error') });
    try {
      const first = await renderedOnce({ status: 'said here #here', poll: { options: ['a', 'b'], expires_in: 3600 } });
      const elsewhere = (method: string, path: string, json?: unknown) => request(other.url!, method, path, { token: bob.token, json });
      assert.equal((await elsewhere('PUT', `/api/v1/statuses/${first.id}`, { status: 'said there #there', poll: { options: ['a', 'b'], expires_in: 3600 } })).status, 200);
      assert.deepEqual(
        (await shown(first.id)).tags.map((tag: { name: string }) => tag.name),
        ['there'],
      );
      assert.equal((await elsewhere('PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Bob elsewhere' })).status, 200);
      assert.equal((await onHome(first.id)).account.display_name, 'Bob elsewhere');
      assert.equal((await elsewhere('DELETE', `/api/v1/statuses/${first.id}`)).status, 200);
      assert.equal(await onHome(first.id), undefined);
    } finally {
      await other.close();
    }
  });
});
