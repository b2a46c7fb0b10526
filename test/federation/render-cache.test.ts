import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts, statuses } from '../../src/db/schema.ts';
import { loadFixture, rewrite } from '../helpers/fixtures.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { BASE } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

/**
 * A remote status or account rendered once (and so cached) shows what its server sends later at
 * once: an edit, new poll counts, a delete, a new profile.
 */
describe('cached renderings, changed by other servers', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  /** a fixture as bob sends it now, with an id of its own */
  function fixture(name: string, id: string): any {
    const json = rewrite(loadFixture(name), {
      'https://mastodon.example/users/bob': remote.actorId,
      'https://mastodon.example': remote.origin,
      'https://subspace.test': BASE,
      '113388475346925634': id,
      '113388500000000001': id,
    });
    json.published = new Date().toISOString();
    json.object.published = json.published;
    return json;
  }
  const post = async (activity: unknown) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, activity);
    assert.equal(response.status, 202, response.text);
  };
  const settled = () => until(async () => (await instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
  const statusRow = async (uri: string) => (await instance.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0];
  const show = async (id: string) => instance.request('GET', `/api/v1/statuses/${id}`, { token: alice.token });
  const home = async () => (await instance.request('GET', '/api/v1/timelines/home?limit=40', { token: alice.token })).body as any[];

  /** bob's status arrives and is rendered once, on its own and on alice's home timeline */
  async function renderedOnce(activity: any) {
    await post(activity);
    const row = await until(() => statusRow(activity.object.id), 'the status to be stored');
    await settled();
    const first = (await show(row.id)).body;
    assert.ok(first.id, JSON.stringify(first));
    await until(async () => (await home()).some((status) => status.id === row.id), 'the status on the home timeline');
    return first;
  }
  const update = (activity: any, object: unknown, n: number) => post({ '@context': activity['@context'], id: `${activity.object.id}#updates/${n}`, type: 'Update', actor: remote.actorId, object });

  it('an edit shows at once', async () => {
    const activity = fixture('mastodon-create-note.json', '113388475346990001');
    const first = await renderedOnce(activity);
    assert.match(first.content, /^<p>Hello/);
    await update(activity, { ...activity.object, content: '<p>Edited there</p>', contentMap: undefined, updated: new Date(Date.now() + 1000).toISOString(), tag: [] }, 1);
    await settled();
    const edited = (await show(first.id)).body;
    assert.equal(edited.content, '<p>Edited there</p>');
    assert.deepEqual(edited.tags, []);
    assert.equal((await home()).find((status) => status.id === first.id)?.content, '<p>Edited there</p>');
  });

  it('new poll counts from an undated Update show at once', async () => {
    const activity = fixture('mastodon-create-question.json', '113388500000990002');
    const first = await renderedOnce(activity);
    assert.equal(first.poll.votes_count, 3);
    const options = [
      { type: 'Note', name: 'Tea', replies: { type: 'Collection', totalItems: 4 } },
      { type: 'Note', name: 'Coffee', replies: { type: 'Collection', totalItems: 1 } },
    ];
    await update(activity, { ...activity.object, votersCount: 5, oneOf: options }, 2);
    await settled();
    for (const again of [(await show(first.id)).body, (await home()).find((status) => status.id === first.id)]) {
      assert.equal(again.poll.votes_count, 5);
      assert.deepEqual(
        again.poll.options.map((option: { votes_count: number }) => option.votes_count),
        [4, 1],
      );
    }
  });

  it('a Delete takes it away', async () => {
    const activity = fixture('mastodon-create-note.json', '113388475346990003');
    const first = await renderedOnce(activity);
    await post({ '@context': 'https://www.w3.org/ns/activitystreams', id: `${activity.object.id}#delete`, type: 'Delete', actor: remote.actorId, object: activity.object.id });
    await settled();
    assert.equal((await show(first.id)).status, 404);
    assert.equal(
      (await home()).find((status) => status.id === first.id),
      undefined,
    );
  });

  it("an Update of bob's actor shows his new name on his statuses rendered before", async () => {
    const first = await renderedOnce(fixture('mastodon-create-note.json', '113388475346990004'));
    await remote.setActor({ name: 'Robert Remote' });
    await post({ '@context': 'https://www.w3.org/ns/activitystreams', id: `${remote.actorId}#updates/${Date.now()}`, type: 'Update', actor: remote.actorId, object: await remote.actor() });
    await until(async () => (await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId)))[0]?.displayName === 'Robert Remote', 'the new name stored');
    await settled();
    assert.equal((await show(first.id)).body.account.display_name, 'Robert Remote');
    assert.equal((await home()).find((status) => status.id === first.id)?.account.display_name, 'Robert Remote');
  });
});
