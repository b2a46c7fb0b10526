import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { statuses } from '../../src/db/schema.ts';
import { resolveRemoteStatusUrl } from '../../src/federation/fetch-status.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('threads: missing parents and listed replies, fetched in the pull queue', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let n = 0;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    await fabricateFollow(instance.ctx, alice.accountId, await resolveRemoteAccount(instance, alice, remote.handle));
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const uriOf = (name: string) => `${remote.actorId}/statuses/${name}`;
  const note = (id: string, extra: Record<string, unknown> = {}) => ({
    '@context': AS,
    id,
    type: 'Note',
    attributedTo: remote.actorId,
    content: `<p>${new URL(id).pathname}</p>`,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${remote.actorId}/followers`],
    ...extra,
  });
  /** serves a note at its id on the fake remote */
  const serveNote = (id: string, extra: Record<string, unknown> = {}) => {
    const object = note(id, extra);
    remote.serve(new URL(id).pathname, object);
    return object;
  };
  const deliver = async (object: { id: string }) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, {
      '@context': AS,
      id: `${object.id}/activity`,
      type: 'Create',
      actor: remote.actorId,
      to: [PUBLIC],
      cc: [`${remote.actorId}/followers`],
      object,
    });
    assert.equal(response.status, 202, response.text);
  };
  const row = (uri: string) =>
    instance.ctx.db
      .select()
      .from(statuses)
      .where(eq(statuses.uri, uri))
      .then((rows) => rows[0]);
  const arrived = (uri: string) => until(() => row(uri), `status ${uri}`);
  const show = async (id: string) => (await instance.request('GET', `/api/v1/statuses/${id}`, { token: alice.token })).body;
  const context = async (id: string) => (await instance.request('GET', `/api/v1/statuses/${id}/context`, { token: alice.token })).body;
  const drained = async () => {
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.ingress === 0 && counts.pull === 0;
    }, 'the ingress and pull queues to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), []);
    assert.deepEqual(await instance.ctx.queue.deadJobs('pull'), []);
  };

  it('a reply to an unknown status fetches it, and its own parent, and links them: the thread shows through the API', async () => {
    const root = serveNote(uriOf(`root-${++n}`));
    const middle = serveNote(uriOf(`middle-${n}`), { inReplyTo: root.id });
    const reply = note(uriOf(`reply-${n}`), { inReplyTo: middle.id });
    await deliver(reply);
    const stored = await arrived(reply.id);
    const linked = await until(async () => (await show(stored.id)).in_reply_to_id, 'the reply linked to its parent');
    const middleRow = (await row(middle.id))!;
    assert.equal(linked, middleRow.id);
    await until(async () => (await row(middle.id))?.inReplyToId, 'the parent linked to its own parent');
    const rootRow = (await row(root.id))!;
    const thread = await context(stored.id);
    assert.deepEqual(
      thread.ancestors.map((status: { id: string }) => status.id),
      [rootRow.id, middleRow.id],
    );
    assert.equal((await show(middleRow.id)).replies_count, 1, 'the late-linked reply is counted');
    assert.equal((await show(rootRow.id)).in_reply_to_id, null);
    await drained();
  });

  it('a parent that cannot be fetched (not found, a private address, a document under another id) leaves the reply unlinked, without a failed job', async () => {
    const replies = [
      note(uriOf(`orphan-${++n}`), { inReplyTo: uriOf('never-served') }),
      note(uriOf(`orphan-${++n}`), { inReplyTo: 'http://10.0.0.1/statuses/1' }),
      note(uriOf(`orphan-${++n}`), { inReplyTo: 'http://127.0.0.2:1/statuses/1' }),
    ];
    const liar = uriOf(`liar-${++n}`);
    remote.serve(new URL(liar).pathname, note(uriOf('someone-else')));
    replies.push(note(uriOf(`orphan-${++n}`), { inReplyTo: liar }));
    for (const reply of replies) await deliver(reply);
    for (const reply of replies) await arrived(reply.id);
    await drained();
    for (const reply of replies) assert.equal((await row(reply.id))!.inReplyToId, null);
    assert.equal(await row(uriOf('someone-else')), undefined);
  });

  it('a made-up loop (a reply whose parent answers it) is not linked into a cycle', async () => {
    const first = uriOf(`loop-a-${++n}`);
    const second = uriOf(`loop-b-${n}`);
    serveNote(second, { inReplyTo: first });
    await deliver(note(first, { inReplyTo: second }));
    const a = await arrived(first);
    const b = await arrived(second);
    await drained();
    assert.equal((await row(second))!.inReplyToId, a.id, 'the fetched status answers the delivered one');
    assert.equal((await row(first))!.inReplyToId, null, 'which is not made to answer it back');
    const thread = await context(b.id);
    assert.deepEqual(
      thread.ancestors.map((status: { id: string }) => status.id),
      [a.id],
    );
  });

  it('a chain of fetches stops once it discovered enough statuses (Mastodon’s DISCOVERIES_PER_REQUEST)', async () => {
    const parent = serveNote(uriOf(`bounded-parent-${++n}`));
    const reply = note(uriOf(`bounded-${n}`), { inReplyTo: parent.id });
    // the chain this delivery starts is named after the reply and the second it arrives in: spend it
    const now = Math.floor(Date.now() / 1000);
    for (let second = now - 1; second <= now + 10; second++) await instance.ctx.cache.set(`status_discovery_per_request:${second}-status-${reply.id}`, '1000', 300);
    await deliver(reply);
    await arrived(reply.id);
    await drained();
    assert.equal(await row(parent.id), undefined, 'the parent was not fetched');
    assert.ok(!remote.received.includes(`GET ${new URL(parent.id).pathname}`));
  });

  it('a status’s replies collection is read from its server: five replies on that server at most, linked to it', async () => {
    const id = uriOf(`popular-${++n}`);
    const page = `${id}/replies/page`;
    const listed = Array.from({ length: 7 }, (_, i) => uriOf(`popular-${n}-reply-${i}`));
    for (const uri of listed) serveNote(uri, { inReplyTo: id });
    remote.serve(`${new URL(id).pathname}/replies`, { '@context': AS, id: `${id}/replies`, type: 'Collection', first: page });
    remote.serve(new URL(page).pathname, {
      '@context': AS,
      id: page,
      type: 'CollectionPage',
      partOf: `${id}/replies`,
      items: ['https://elsewhere.example/statuses/1', ...listed.slice(0, 3), { id: listed[3], type: 'Note' }, ...listed.slice(4)],
    });
    await deliver(note(id, { replies: `${id}/replies` }));
    const parent = await arrived(id);
    await until(async () => (await context(parent.id)).descendants.length === 5, 'five replies fetched');
    await drained();
    const thread = await context(parent.id);
    assert.deepEqual(thread.descendants.map((status: { uri: string }) => status.uri).sort(), listed.slice(0, 5).sort());
    assert.ok(!remote.received.includes(`GET ${new URL(listed[5]!).pathname}`), 'no sixth reply fetched');
    assert.equal((await show(parent.id)).replies_count, 5);
  });

  it('an embedded first page (as Mastodon sends) is read without fetching the collection, also for a status fetched for a boost', async () => {
    const id = uriOf(`embedded-${++n}`);
    const replyUri = uriOf(`embedded-${n}-reply`);
    serveNote(replyUri, { inReplyTo: id });
    serveNote(id, { replies: { id: `${id}/replies`, type: 'Collection', first: { type: 'CollectionPage', next: `${id}/replies?page=2`, partOf: `${id}/replies`, items: [replyUri] } } });
    const announceId = `${remote.actorId}/statuses/${++n}/activity`;
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, {
      '@context': AS,
      id: announceId,
      type: 'Announce',
      actor: remote.actorId,
      published: new Date().toISOString(),
      to: [PUBLIC],
      object: id,
    });
    assert.equal(response.status, 202);
    const original = await arrived(id);
    const reply = await arrived(replyUri);
    assert.equal(reply.inReplyToId, original.id);
    await drained();
    assert.ok(!remote.received.some((line) => line.startsWith(`GET ${new URL(id).pathname}/replies`)), 'the collection itself is not fetched');
  });

  it('a status resolved by URL (what search with resolve=true calls), by its id or its page, is fetched with its replies', async () => {
    const id = uriOf(`resolved-${++n}`);
    const page = `${remote.origin}/@bob/resolved-${n}`;
    const replyUri = uriOf(`resolved-${n}-reply`);
    serveNote(replyUri, { inReplyTo: id });
    const object = serveNote(id, { url: page, replies: { id: `${id}/replies`, type: 'Collection', first: { type: 'CollectionPage', items: [replyUri] } } });
    remote.serve(new URL(page).pathname, object);
    const resolved = await resolveRemoteStatusUrl(instance.ctx, page);
    assert.equal(resolved?.uri, id);
    const reply = await arrived(replyUri);
    assert.equal(reply.inReplyToId, resolved!.id);
    assert.equal((await resolveRemoteStatusUrl(instance.ctx, id))?.id, resolved!.id, 'known by its id afterwards');
    assert.equal(await resolveRemoteStatusUrl(instance.ctx, remote.actorId), undefined, 'an actor is not a status');
    assert.equal(await resolveRemoteStatusUrl(instance.ctx, 'javascript:alert(1)'), undefined);
    await drained();
  });

  it('search with resolve=true finds a remote status by its page URL, through the API', async () => {
    const id = uriOf(`searched-${++n}`);
    const page = `${remote.origin}/@bob/searched-${n}`;
    const object = serveNote(id, { url: page });
    remote.serve(new URL(page).pathname, object);
    const user = await instance.createUser(`searcher${n}`);
    const unresolved = await instance.request('GET', `/api/v2/search?q=${encodeURIComponent(page)}`, { token: user.token });
    assert.deepEqual(unresolved.body.statuses, [], 'without resolve nothing is fetched');
    const found = await instance.request('GET', `/api/v2/search?q=${encodeURIComponent(page)}&resolve=true`, { token: user.token });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(
      found.body.statuses.map((status: { uri: string; url: string }) => [status.uri, status.url]),
      [[id, page]],
    );
    assert.deepEqual(found.body.accounts, []);
    await drained();
  });
});
