import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Create, Note } from '@fedify/vocab';
import { accounts, blocks, followRequests, follows } from '../../src/db/schema.ts';
import { withFederation } from '../../src/federation/federation.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('relationships with a remote account over ActivityPub', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let bobId: string;
  let n = 0;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    // a member resolves bob, so every test starts with him known
    const seeker = await instance.createUser('seeker');
    bobId = await resolveRemoteAccount(instance, seeker, remote.handle);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const id = (kind: string) => `${remote.origin}/${kind}/${++n}`;
  const post = async (username: string, activity: Record<string, unknown>) => {
    const response = await remote.postSigned(instance.url, `${BASE}/users/${username}/inbox`, { '@context': AS, actor: remote.actorId, ...activity });
    assert.equal(response.status, 202, response.text);
  };
  const relationship = async (user: TestUser, targetId = bobId) => {
    const response = await instance.request('GET', `/api/v1/accounts/relationships?id[]=${targetId}`, { token: user.token });
    assert.equal(response.status, 200, response.text);
    return response.body[0];
  };
  const deliveredOf = (type: string, predicate: (body: any) => boolean = () => true) =>
    until(async () => remote.delivered.find((entry) => entry.body.type === type && predicate(entry.body)), `a ${type} delivered to the remote`);
  const followRow = (sourceId: string, targetId: string) =>
    instance.ctx.db
      .select()
      .from(follows)
      .where(and(eq(follows.accountId, sourceId), eq(follows.targetAccountId, targetId)))
      .then((rows) => rows[0]);
  const requestRow = (sourceId: string, targetId: string) =>
    instance.ctx.db
      .select()
      .from(followRequests)
      .where(and(eq(followRequests.accountId, sourceId), eq(followRequests.targetAccountId, targetId)))
      .then((rows) => rows[0]);

  it('accepts a remote Follow at once: the follow is made, a signed Accept goes to the follower’s inbox, and the followers include it', async () => {
    const alice = await instance.createUser('alice');
    const followId = id('follows');
    await post('alice', { id: followId, type: 'Follow', object: `${BASE}/users/alice` });
    const accept = await deliveredOf('Accept', (body) => body.object?.id === followId);
    assert.equal(accept.body.actor, `${BASE}/users/alice`);
    assert.equal(accept.path, '/users/bob/inbox');
    assert.deepEqual({ type: accept.body.object.type, actor: accept.body.object.actor, object: accept.body.object.object }, { type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` });
    const signature = `${accept.headers['signature-input'] ?? ''} ${accept.headers.signature ?? ''}`;
    assert.ok(signature.includes(`keyId="${BASE}/users/alice#main-key"`), `draft-cavage, by alice: ${signature}`);

    assert.equal((await followRow(bobId, alice.accountId))?.uri, followId);
    const followers = await instance.request('GET', `/api/v1/accounts/${alice.accountId}/followers`, { token: alice.token });
    assert.deepEqual(
      followers.body.map((account: { acct: string }) => account.acct),
      [remote.handle],
    );
    assert.equal((await relationship(alice)).followed_by, true);
    const notifications = await instance.request('GET', '/api/v1/notifications', { token: alice.token });
    assert.deepEqual(
      notifications.body.map((item: { type: string }) => item.type),
      ['follow'],
    );
    const collection = await instance.request('GET', '/users/alice/followers', { headers: { accept: 'application/activity+json' } });
    assert.equal(collection.body.totalItems, 1);

    // what is sent to "followers" reaches the follower's server once, at its shared inbox
    const before = remote.delivered.length;
    const note = new Note({ id: new URL(`${BASE}/users/alice/statuses/1`), attribution: new URL(`${BASE}/users/alice`), content: 'hi' });
    await withFederation(instance.ctx, (fctx) =>
      fctx.sendActivity({ identifier: 'users/alice' }, 'followers', new Create({ id: new URL(`${BASE}/users/alice/statuses/1/activity`), actor: new URL(`${BASE}/users/alice`), object: note }), {
        preferSharedInbox: true,
      }),
    );
    const create = await until(async () => remote.delivered.slice(before).find((entry) => entry.body.type === 'Create'), 'the Create');
    assert.equal(create.path, '/inbox');

    // Undo(Follow) ends it
    await post('alice', { id: `${followId}/undo`, type: 'Undo', object: { id: followId, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` } });
    await until(async () => !(await followRow(bobId, alice.accountId)), 'the follow to end');
    assert.equal((await relationship(alice)).followed_by, false);
  });

  it('makes a follow request of a remote Follow of a locked account; authorizing it sends Accept, rejecting another sends Reject', async () => {
    const carol = await instance.createUser('carol');
    const locked = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, json: { locked: true } });
    assert.equal(locked.status, 200, locked.text);
    const followId = id('follows');
    await post('carol', { id: followId, type: 'Follow', object: `${BASE}/users/carol` });
    await until(() => requestRow(bobId, carol.accountId), 'the follow request');
    const requests = await instance.request('GET', '/api/v1/follow_requests', { token: carol.token });
    assert.deepEqual(
      requests.body.map((account: { acct: string }) => account.acct),
      [remote.handle],
    );
    assert.equal(
      remote.delivered.some((entry) => entry.body.object?.id === followId),
      false,
      'nothing answered yet',
    );

    const authorized = await instance.request('POST', `/api/v1/follow_requests/${bobId}/authorize`, { token: carol.token });
    assert.equal(authorized.status, 200, authorized.text);
    assert.equal(authorized.body.followed_by, true);
    const accept = await deliveredOf('Accept', (body) => body.object?.id === followId);
    assert.equal(accept.body.actor, `${BASE}/users/carol`);
    assert.equal((await followRow(bobId, carol.accountId))?.uri, followId);

    const dave = await instance.createUser('dave');
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: dave.token, json: { locked: true } });
    const secondId = id('follows');
    await post('dave', { id: secondId, type: 'Follow', object: `${BASE}/users/dave` });
    await until(() => requestRow(bobId, dave.accountId), 'the second request');
    const rejected = await instance.request('POST', `/api/v1/follow_requests/${bobId}/reject`, { token: dave.token });
    assert.equal(rejected.status, 200, rejected.text);
    const reject = await deliveredOf('Reject', (body) => body.object?.id === secondId);
    assert.equal(reject.body.actor, `${BASE}/users/dave`);
    assert.equal(await requestRow(bobId, dave.accountId), undefined);
  });

  it('follows a remote account: Follow delivered, `requested` until Accept arrives, then `following`; unfollowing sends Undo', async () => {
    const erin = await instance.createUser('erin');
    const followed = await instance.request('POST', `/api/v1/accounts/${bobId}/follow`, { token: erin.token });
    assert.equal(followed.status, 200, followed.text);
    assert.equal(followed.body.requested, true);
    assert.equal(followed.body.following, false);
    const follow = await deliveredOf('Follow', (body) => body.actor === `${BASE}/users/erin`);
    assert.equal(follow.body.object, remote.actorId);
    assert.match(follow.body.id, /^http:\/\/subspace\.test\/[0-9a-f-]{36}$/);
    assert.equal(follow.path, '/users/bob/inbox');

    // an Accept of a follow nobody asked for, or of a follow of someone else, changes nothing
    await post('erin', { id: id('accepts'), type: 'Accept', object: { id: `${BASE}/not-a-follow`, type: 'Follow', actor: `${BASE}/users/seeker`, object: remote.actorId } });
    await post('erin', { id: id('accepts'), type: 'Accept', object: { id: follow.body.id, type: 'Follow', actor: `${BASE}/users/erin`, object: `${remote.origin}/users/someone-else` } });
    await queuesDrained(instance, ['ingress', 'default', 'push']);
    assert.equal((await relationship(erin)).requested, true);

    await post('erin', { id: id('accepts'), type: 'Accept', object: { id: follow.body.id, type: 'Follow', actor: `${BASE}/users/erin`, object: remote.actorId } });
    await until(() => followRow(erin.accountId, bobId), 'the follow');
    const now = await relationship(erin);
    assert.equal(now.following, true);
    assert.equal(now.requested, false);
    assert.equal((await followRow(erin.accountId, bobId))?.uri, follow.body.id);

    const unfollowed = await instance.request('POST', `/api/v1/accounts/${bobId}/unfollow`, { token: erin.token });
    assert.equal(unfollowed.body.following, false);
    const undo = await deliveredOf('Undo', (body) => body.actor === `${BASE}/users/erin`);
    assert.deepEqual({ id: undo.body.object.id, type: undo.body.object.type, object: undo.body.object.object }, { id: follow.body.id, type: 'Follow', object: remote.actorId });

    // a Reject (here naming the Follow by id only) withdraws a request
    await instance.request('POST', `/api/v1/accounts/${bobId}/follow`, { token: erin.token });
    const second = await deliveredOf('Follow', (body) => body.actor === `${BASE}/users/erin` && body.id !== follow.body.id);
    await post('erin', { id: id('rejects'), type: 'Reject', object: second.body.id });
    await until(async () => !(await requestRow(erin.accountId, bobId)), 'the request to go');
    assert.equal((await relationship(erin)).requested, false);
  });

  it('blocks both ways: a local block sends Block and Undo(Block); a remote Block ends the follows and is recorded', async () => {
    const frank = await instance.createUser('frank');
    const blocked = await instance.request('POST', `/api/v1/accounts/${bobId}/block`, { token: frank.token });
    assert.equal(blocked.body.blocking, true);
    const block = await deliveredOf('Block', (body) => body.actor === `${BASE}/users/frank`);
    assert.equal(block.body.object, remote.actorId);
    await instance.request('POST', `/api/v1/accounts/${bobId}/unblock`, { token: frank.token });
    const undo = await deliveredOf('Undo', (body) => body.actor === `${BASE}/users/frank`);
    assert.deepEqual({ id: undo.body.object.id, type: undo.body.object.type }, { id: block.body.id, type: 'Block' });

    // follows both ways, then bob blocks frank
    await post('frank', { id: id('follows'), type: 'Follow', object: `${BASE}/users/frank` });
    await until(() => followRow(bobId, frank.accountId), 'bob following frank');
    await instance.request('POST', `/api/v1/accounts/${bobId}/follow`, { token: frank.token });
    const follow = await deliveredOf('Follow', (body) => body.actor === `${BASE}/users/frank`);
    await post('frank', { id: id('accepts'), type: 'Accept', object: follow.body.id });
    await until(() => followRow(frank.accountId, bobId), 'frank following bob');

    const blockId = id('blocks');
    await post('frank', { id: blockId, type: 'Block', object: `${BASE}/users/frank` });
    await until(async () => (await instance.ctx.db.select().from(blocks).where(eq(blocks.uri, blockId)))[0], 'the block');
    const now = await relationship(frank);
    assert.equal(now.blocked_by, true);
    assert.equal(now.following, false);
    assert.equal(now.followed_by, false);
    const refused = await instance.request('POST', `/api/v1/accounts/${bobId}/follow`, { token: frank.token });
    assert.equal(refused.status, 403, refused.text);

    await post('frank', { id: id('undos'), type: 'Undo', object: { id: blockId, type: 'Block', actor: remote.actorId, object: `${BASE}/users/frank` } });
    await until(async () => !(await relationship(frank)).blocked_by, 'the block to be undone');
  });

  it('sends a member’s changed profile to the remote followers’ server as an Update of the actor', async () => {
    const kate = await instance.createUser('kate');
    await post('kate', { id: id('follows'), type: 'Follow', object: `${BASE}/users/kate` });
    await until(() => followRow(bobId, kate.accountId), 'the follow');
    const changed = await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: kate.token, json: { display_name: 'Kate K.' } });
    assert.equal(changed.status, 200, changed.text);
    const update = await deliveredOf('Update', (body) => body.actor === `${BASE}/users/kate`);
    assert.equal(update.path, '/inbox');
    assert.equal(update.body.object.id, `${BASE}/users/kate`);
    assert.equal(update.body.object.name, 'Kate K.');
    assert.ok([update.body.to].flat().includes('https://www.w3.org/ns/activitystreams#Public'), JSON.stringify(update.body.to));
  });

  it('rejects the followers from a domain a member blocks', async () => {
    const judy = await instance.createUser('judy');
    // a follower on a domain without a port (a domain block names a host), whose inbox is the fake remote's
    const [follower] = await instance.ctx.db
      .insert(accounts)
      .values({ username: 'rem', domain: 'remote.example', uri: 'https://remote.example/users/rem', inboxUrl: `${remote.actorId}/inbox`, protocol: 'activitypub' })
      .returning();
    await instance.ctx.db.insert(follows).values({ accountId: follower!.id, targetAccountId: judy.accountId, uri: 'https://remote.example/follows/1' });
    const blocked = await instance.request('POST', '/api/v1/domain_blocks', { token: judy.token, form: { domain: 'remote.example' } });
    assert.equal(blocked.status, 200, blocked.text);
    const reject = await deliveredOf('Reject', (body) => body.actor === `${BASE}/users/judy`);
    assert.deepEqual({ id: reject.body.object.id, actor: reject.body.object.actor }, { id: 'https://remote.example/follows/1', actor: 'https://remote.example/users/rem' });
    assert.equal(await followRow(follower!.id, judy.accountId), undefined);
  });

  it('takes a Follow from an actor never seen: the account is stored from the signer’s actor, then its handle confirmed in pull', async () => {
    const ivan = await instance.createUser('ivan');
    const stranger = await startFakeRemote();
    try {
      await stranger.setActor({ name: 'Stranger' });
      const response = await stranger.postSigned(instance.url, `${BASE}/users/ivan/inbox`, {
        '@context': AS,
        id: `${stranger.origin}/follows/1`,
        type: 'Follow',
        actor: stranger.actorId,
        object: `${BASE}/users/ivan`,
      });
      assert.equal(response.status, 202, response.text);
      await until(async () => stranger.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
      const [row] = await instance.ctx.db.select().from(accounts).where(eq(accounts.uri, stranger.actorId));
      assert.equal(row?.username, 'bob');
      assert.equal(row?.domain, stranger.host);
      assert.equal(row?.displayName, 'Stranger');
      await until(async () => (await instance.ctx.db.select().from(accounts).where(eq(accounts.uri, stranger.actorId)))[0]?.lastWebfingeredAt, 'the refresh');
      assert.ok(stranger.received.some((line) => line.startsWith('GET /.well-known/webfinger')));
      const followers = await instance.request('GET', `/api/v1/accounts/${ivan.accountId}/followers`, { token: ivan.token });
      assert.deepEqual(
        followers.body.map((account: { acct: string }) => account.acct),
        [stranger.handle],
      );
    } finally {
      await stranger.close();
    }
  });

  it('ignores what a remote account may not do: undoing another actor’s follow, following a non-local actor', async () => {
    const gina = await instance.createUser('gina');
    await post('gina', { id: id('follows'), type: 'Follow', object: `${BASE}/users/gina` });
    await until(() => followRow(bobId, gina.accountId), 'the follow');
    const other = await startFakeRemote();
    try {
      // the other remote signs an Undo of bob's follow
      const response = await other.postSigned(instance.url, `${BASE}/users/gina/inbox`, {
        '@context': AS,
        id: `${other.origin}/undo/1`,
        type: 'Undo',
        actor: other.actorId,
        object: { id: `${remote.origin}/follows/x`, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/gina` },
      });
      assert.equal(response.status, 202, response.text);
      await post('gina', { id: id('follows'), type: 'Follow', object: `${other.origin}/users/bob` });
      await queuesDrained(instance, ['ingress', 'default', 'push']);
      assert.ok(await followRow(bobId, gina.accountId), 'the follow stands');
      assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), []);
    } finally {
      await other.close();
    }
  });
});

describe('a remote actor’s Update and Delete of itself', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let hana: TestUser;
  let bobId: string;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    hana = await instance.createUser('hana');
    bobId = await resolveRemoteAccount(instance, hana, remote.handle);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const post = async (activity: Record<string, unknown>) => {
    const response = await remote.postSigned(instance.url, `${BASE}/inbox`, { '@context': AS, actor: remote.actorId, ...activity });
    assert.equal(response.status, 202, response.text);
  };
  const account = () => instance.request('GET', `/api/v1/accounts/${bobId}`, { token: hana.token });

  it('takes the profile an Update carries', async () => {
    await remote.setActor({ name: 'Robert', summary: '<p>new bio</p>', manuallyApprovesFollowers: true });
    const actor = await remote.actor();
    await post({ id: `${remote.origin}/updates/1`, type: 'Update', object: actor });
    await until(async () => (await account()).body.display_name === 'Robert', 'the new name');
    const shown = (await account()).body;
    assert.equal(shown.note, '<p>new bio</p>');
    assert.equal(shown.locked, true);
    assert.equal(shown.acct, remote.handle);
  });

  it('ignores an Update of another actor', async () => {
    const other = await startFakeRemote();
    try {
      await other.setActor({ name: 'Mallory' });
      const forged = { ...(await other.actor()), id: remote.actorId };
      const response = await other.postSigned(instance.url, `${BASE}/inbox`, { '@context': AS, id: `${other.origin}/updates/1`, type: 'Update', actor: other.actorId, object: forged });
      assert.equal(response.status, 202);
      await queuesDrained(instance, ['ingress', 'pull']);
      assert.notEqual((await account()).body.display_name, 'Mallory');
    } finally {
      await other.close();
    }
  });

  it('suspends the account and ends its follows on a Delete of itself', async () => {
    await instance.request('POST', `/api/v1/accounts/${bobId}/follow`, { token: hana.token });
    await until(async () => (await instance.ctx.db.select().from(followRequests).where(eq(followRequests.targetAccountId, bobId)))[0], 'the request');
    await post({ id: `${remote.actorId}#delete`, type: 'Delete', object: remote.actorId });
    await until(async () => (await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId)))[0]?.suspendedAt, 'the suspension');
    // the suspension is written first, then the follows and requests go
    await until(async () => (await instance.ctx.db.select().from(followRequests).where(eq(followRequests.targetAccountId, bobId))).length === 0, 'the request to go');
    const shown = (await account()).body;
    assert.equal(shown.suspended, true);
    assert.equal(shown.display_name, '');
  });
});
