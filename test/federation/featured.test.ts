import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { follows, statuses } from '../../src/db/schema.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('featured collections over ActivityPub: Add and Remove, in and out', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;
  let featured: string;
  let n = 0;
  before(async () => {
    remote = await startFakeRemote();
    featured = `${remote.actorId}/collections/featured`;
    await remote.setActor({ featured: new URL(featured), featuredTags: new URL(`${remote.actorId}/collections/tags`) });
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
    // alice follows bob, so what he posts is stored here
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const post = async (activity: Record<string, unknown>) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, { '@context': AS, actor: remote.actorId, ...activity });
    assert.equal(response.status, 202, response.text);
  };
  const settled = async () => {
    await until(async () => (await instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
  };
  const note = (text: string) => {
    const id = `${remote.actorId}/statuses/${++n}`;
    return { id, type: 'Note', attributedTo: remote.actorId, to: [PUBLIC], content: `<p>${text}</p>`, published: new Date().toISOString() };
  };
  const bobPosts = async (text: string) => {
    const object = note(text);
    await post({ id: `${object.id}/activity`, type: 'Create', to: [PUBLIC], object });
    return until(
      () =>
        instance.ctx.db
          .select()
          .from(statuses)
          .where(eq(statuses.uri, object.id))
          .then((rows) => rows[0]),
      'bob’s status',
    );
  };
  const pinnedOfBob = async () => {
    const response = await instance.request('GET', `/api/v1/accounts/${bobId}/statuses?pinned=true`, { token: alice.token });
    assert.equal(response.status, 200, response.text);
    return (response.body as { uri: string }[]).map((status) => status.uri);
  };

  it('pins a status of the sender on Add to its featured collection, and unpins it on Remove', async () => {
    const status = await bobPosts('pin me');
    await post({ id: `${remote.origin}/adds/${++n}`, type: 'Add', target: featured, object: status.uri });
    await until(async () => (await pinnedOfBob()).includes(status.uri!), 'the pin');
    const shown = await instance.request('GET', `/api/v1/statuses/${status.id}`, { token: alice.token });
    assert.equal(shown.status, 200);

    await post({ id: `${remote.origin}/removes/${++n}`, type: 'Remove', target: featured, object: status.uri });
    await until(async () => (await pinnedOfBob()).length === 0, 'the unpin');
  });

  it('fetches a status not known here before pinning it', async () => {
    const object = note('an older post');
    remote.serve(new URL(object.id).pathname, { '@context': AS, ...object });
    await post({ id: `${remote.origin}/adds/${++n}`, type: 'Add', target: featured, object: object.id });
    await until(async () => (await pinnedOfBob()).includes(object.id), 'the fetched status pinned');
    await post({ id: `${remote.origin}/removes/${++n}`, type: 'Remove', target: featured, object: object.id });
    await until(async () => (await pinnedOfBob()).length === 0, 'the unpin');
  });

  it('ignores an Add to another collection, or of a status that is not the sender’s', async () => {
    const status = await bobPosts('not featured');
    await post({ id: `${remote.origin}/adds/${++n}`, type: 'Add', target: `${remote.actorId}/collections/other`, object: status.uri });
    await post({ id: `${remote.origin}/adds/${++n}`, type: 'Add', object: status.uri });
    const mine = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'alice’s own' } });
    await post({ id: `${remote.origin}/adds/${++n}`, type: 'Add', target: featured, object: mine.body.uri });
    await settled();
    assert.deepEqual(await pinnedOfBob(), []);
  });

  it('features a Hashtag on Add and stops on Remove', async () => {
    const hashtag = { type: 'Hashtag', href: `${remote.origin}/tags/cats`, name: '#Cats' };
    await post({ id: `${remote.origin}/adds/${++n}`, type: 'Add', target: featured, object: hashtag });
    const tagsOfBob = async () => ((await instance.request('GET', `/api/v1/accounts/${bobId}/featured_tags`, { token: alice.token })).body as { name: string }[]).map((tag) => tag.name.toLowerCase());
    await until(async () => (await tagsOfBob()).includes('cats'), 'the featured tag');
    await post({ id: `${remote.origin}/removes/${++n}`, type: 'Remove', target: featured, object: hashtag });
    await until(async () => (await tagsOfBob()).length === 0, 'the tag no longer featured');
  });

  it('sends Add and Remove to the followers’ servers when a member pins and unpins', async () => {
    // bob follows alice
    await instance.ctx.db.insert(follows).values({ accountId: bobId, targetAccountId: alice.accountId });
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'my best post' } });
    assert.equal(posted.status, 200, posted.text);
    const pinned = await instance.request('POST', `/api/v1/statuses/${posted.body.id}/pin`, { token: alice.token });
    assert.equal(pinned.status, 200, pinned.text);
    const add = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Add'), 'the Add');
    assert.equal(add.path, '/inbox');
    assert.equal(add.body.actor, `${BASE}/users/alice`);
    assert.equal(add.body.target, `${BASE}/users/alice/collections/featured`);
    assert.equal(add.body.object, posted.body.uri);

    const unpinned = await instance.request('POST', `/api/v1/statuses/${posted.body.id}/unpin`, { token: alice.token });
    assert.equal(unpinned.status, 200, unpinned.text);
    const remove = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Remove'), 'the Remove');
    assert.equal(remove.body.target, `${BASE}/users/alice/collections/featured`);
    assert.equal(remove.body.object, posted.body.uri);

    // unpinning what is not pinned sends nothing
    const before = remote.delivered.length;
    await instance.request('POST', `/api/v1/statuses/${posted.body.id}/unpin`, { token: alice.token });
    await queuesDrained(instance);
    assert.equal(remote.delivered.length, before);
  });
});
