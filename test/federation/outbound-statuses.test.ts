import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { follows, mentions } from '../../src/db/schema.ts';
import { deliverStatusActivity } from '../../src/federation/deliver-status.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { receiveStatus, remoteNote } from '../helpers/remote-statuses.ts';

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe('what members do goes to other servers', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;
  let n = 0;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    // bob follows alice from his server; the Accept tells us the follow is made
    const followId = `${remote.origin}/follows/1`;
    const response = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, { '@context': AS, id: followId, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` });
    assert.equal(response.status, 202, response.text);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    const found = await instance.request('GET', `/api/v2/search?q=@${remote.handle}&type=accounts`, { token: alice.token });
    bobId = found.body.accounts[0].id;
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const deliveredOf = (type: string, predicate: (body: any) => boolean) =>
    until(async () => remote.delivered.find((entry) => entry.body.type === type && predicate(entry.body)), `a ${type} delivered to the remote`);
  const api = async (method: string, path: string, json?: unknown) => {
    const response = await instance.request(method, path, { token: alice.token, json });
    assert.equal(response.status, 200, `${method} ${path}: ${response.text}`);
    return response.body;
  };
  /** A status of bob's, received from his server (alice follows bob, so it concerns this instance). */
  const bobsStatus = async (extra: Record<string, unknown> = {}) => {
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: bobId }).onConflictDoNothing();
    const id = `${remote.actorId}/statuses/${++n}`;
    return receiveStatus(instance, remote, remoteNote(remote, id, { content: `<p>bob's post ${n}</p>`, ...extra }));
  };

  it('a public post: a signed Create with Mastodon’s shape, once to bob’s shared inbox', async () => {
    const posted = await api('POST', '/api/v1/statuses', { status: 'Hello #fediverse', language: 'en' });
    const create = await deliveredOf('Create', (body) => body.object?.id === posted.uri);
    const { body, headers, path } = create;
    assert.equal(path, '/inbox', 'the shared inbox');
    assert.ok(list(body['@context']).includes(AS));
    assert.equal(body.id, `${posted.uri}/activity`);
    assert.equal(body.actor, `${BASE}/users/alice`);
    assert.deepEqual(list(body.to), [PUBLIC]);
    assert.deepEqual(list(body.cc), [`${BASE}/users/alice/followers`]);
    const note = body.object;
    assert.equal(note.type, 'Note');
    assert.equal(note.attributedTo, `${BASE}/users/alice`);
    assert.equal(note.url, posted.url);
    assert.equal(note.content, posted.content);
    assert.deepEqual(note.contentMap, { en: posted.content });
    assert.equal(note.sensitive, false);
    assert.match(note.conversation, /^tag:subspace\.test,/);
    assert.deepEqual(
      list(note.tag).map((tag: any) => [tag.type, tag.name]),
      [['Hashtag', '#fediverse']],
    );
    const signature = `${headers['signature-input'] ?? ''} ${headers.signature ?? ''}`;
    assert.ok(signature.includes(`keyId="${BASE}/users/alice#main-key"`), `draft-cavage, by alice: ${signature}`);
    await queuesDrained(instance);
    assert.equal(remote.delivered.filter((entry) => entry.body.object?.id === posted.uri).length, 1, 'delivered once');
  });

  it('a followers-only post goes to the followers; a direct message only to the mentioned', async () => {
    const privatePost = await api('POST', '/api/v1/statuses', { status: 'for followers', visibility: 'private' });
    const create = await deliveredOf('Create', (body) => body.object?.id === privatePost.uri);
    assert.deepEqual(list(create.body.to), [`${BASE}/users/alice/followers`]);
    assert.deepEqual(list(create.body.cc), []);

    // a handle with a port cannot be written in a post (as in Mastodon), so bob is mentioned by hand
    const direct = await api('POST', '/api/v1/statuses', { status: 'just you', visibility: 'direct' });
    await instance.ctx.db.insert(mentions).values({ statusId: direct.id, accountId: bobId });
    await deliverStatusActivity(instance.ctx, { action: 'create', statusId: direct.id });
    const dm = await deliveredOf('Create', (body) => body.object?.id === direct.uri);
    assert.deepEqual(list(dm.body.to), [remote.actorId]);
    assert.deepEqual(
      list(dm.body.object.tag).map((tag: any) => [tag.type, tag.href]),
      [['Mention', remote.actorId]],
    );

    const secret = await instance.createUser('secretive');
    const unseen = await instance.request('POST', '/api/v1/statuses', { token: secret.token, json: { status: 'nobody remote follows me', visibility: 'direct' } });
    assert.equal(unseen.status, 200);
    await queuesDrained(instance);
    assert.equal(
      remote.delivered.some((entry) => entry.body.object?.id === unseen.body.uri),
      false,
    );
  });

  it('an edit is an Update of the Note; a deletion a Delete with a Tombstone', async () => {
    const posted = await api('POST', '/api/v1/statuses', { status: 'first version' });
    await deliveredOf('Create', (body) => body.object?.id === posted.uri);
    await api('PUT', `/api/v1/statuses/${posted.id}`, { status: 'second version' });
    const update = await deliveredOf('Update', (body) => body.object?.id === posted.uri);
    assert.match(update.body.id, new RegExp(`^${posted.uri}#updates/\\d+$`));
    assert.equal(update.body.object.content, '<p>second version</p>');
    assert.ok(update.body.object.updated, 'the Note says when it was edited');
    assert.deepEqual(list(update.body.to), [PUBLIC]);

    await api('DELETE', `/api/v1/statuses/${posted.id}`);
    const deletion = await deliveredOf('Delete', (body) => body.object?.id === posted.uri);
    assert.equal(deletion.body.id, `${posted.uri}#delete`);
    assert.equal(deletion.body.actor, `${BASE}/users/alice`);
    assert.equal(deletion.body.object.type, 'Tombstone');
  });

  it('a boost is an Announce to the followers and the author; unboosting is its Undo', async () => {
    const status = await bobsStatus();
    const boost = await api('POST', `/api/v1/statuses/${status.id}/reblog`);
    const announce = await deliveredOf('Announce', (body) => body.object === status.uri);
    assert.equal(announce.body.id, boost.uri);
    assert.deepEqual(list(announce.body.to), [PUBLIC]);
    assert.ok(list(announce.body.cc).includes(remote.actorId), 'cc the boosted author');
    await api('POST', `/api/v1/statuses/${status.id}/unreblog`);
    const undo = await deliveredOf('Undo', (body) => body.object?.type === 'Announce' && body.object.id === boost.uri);
    assert.equal(undo.body.actor, `${BASE}/users/alice`);
  });

  it('a favourite of a remote post is a Like to its author; unfavouriting is its Undo; local favourites stay here', async () => {
    const status = await bobsStatus();
    await api('POST', `/api/v1/statuses/${status.id}/favourite`);
    const like = await deliveredOf('Like', (body) => body.object === status.uri);
    assert.equal(like.path, '/users/bob/inbox');
    assert.match(like.body.id, new RegExp(`^${BASE}/users/alice#likes/\\d+$`));
    await api('POST', `/api/v1/statuses/${status.id}/unfavourite`);
    const undo = await deliveredOf('Undo', (body) => body.object?.type === 'Like' && body.object.object === status.uri);
    assert.equal(undo.body.id, `${like.body.id}/undo`);
    assert.equal(undo.body.object.id, like.body.id);

    const own = await api('POST', '/api/v1/statuses', { status: 'local' });
    await api('POST', `/api/v1/statuses/${own.id}/favourite`);
    await queuesDrained(instance);
    assert.equal(
      remote.delivered.some((entry) => entry.body.type === 'Like' && entry.body.object === own.uri),
      false,
    );
  });

  it('a reply to a remote post reaches its author with inReplyTo', async () => {
    const status = await bobsStatus();
    const reply = await api('POST', '/api/v1/statuses', { status: `@${remote.handle} indeed`, in_reply_to_id: status.id });
    const create = await deliveredOf('Create', (body) => body.object?.id === reply.uri);
    assert.equal(create.body.object.inReplyTo, status.uri);
  });

  it('a vote in a remote poll is a Note named after the option, to the poll’s author', async () => {
    const status = await bobsStatus({
      type: 'Question',
      endTime: new Date(Date.now() + 3_600_000).toISOString(),
      oneOf: [
        { type: 'Note', name: 'yes', replies: { type: 'Collection', totalItems: 0 } },
        { type: 'Note', name: 'no', replies: { type: 'Collection', totalItems: 0 } },
      ],
    });
    const poll = (await api('GET', `/api/v1/statuses/${status.id}`)).poll;
    await api('POST', `/api/v1/polls/${poll.id}/votes`, { choices: ['1'] });
    const vote = await deliveredOf('Create', (body) => body.object?.inReplyTo === status.uri);
    assert.equal(vote.path, '/users/bob/inbox');
    assert.deepEqual(list(vote.body.to), [remote.actorId]);
    assert.equal(vote.body.object.type, 'Note');
    assert.equal(vote.body.object.name, 'no');
    assert.equal(vote.body.object.attributedTo, `${BASE}/users/alice`);
    assert.match(vote.body.object.id, new RegExp(`^${BASE}/users/alice#votes/\\d+$`));
  });
});
