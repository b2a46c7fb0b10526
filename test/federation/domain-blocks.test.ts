import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, or } from 'drizzle-orm';
import { Create, Note } from '@fedify/vocab';
import { accounts, followRequests, follows, statuses } from '../../src/db/schema.ts';
import { deliverableInboxes } from '../../src/federation/delivery-failures.ts';
import { withFederation } from '../../src/federation/federation.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('instance domain blocks in federation', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let admin: TestUser;
  let alice: TestUser;
  let bobId: string;
  let n = 0;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    admin = await instance.createUser('admin', { role: 'Owner', scopes: 'read write admin:read admin:write' });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const post = (activity: Record<string, unknown>, inbox = `${BASE}/users/alice/inbox`) => remote.postSigned(instance.url, inbox, { '@context': AS, actor: remote.actorId, ...activity });
  const bob = async () => (await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId)))[0]!;
  const followsWithBob = async () =>
    instance.ctx.db
      .select()
      .from(follows)
      .where(or(eq(follows.accountId, bobId), eq(follows.targetAccountId, bobId)));
  const block = async (json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/admin/domain_blocks', { token: admin.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body.id as string;
  };
  const unblock = async (id: string) => assert.equal((await instance.request('DELETE', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token })).status, 200);
  const mentionNote = (text: string) => {
    const noteId = `${remote.origin}/notes/${++n}`;
    return {
      noteId,
      activity: {
        id: `${noteId}/activity`,
        type: 'Create',
        to: [PUBLIC],
        cc: [`${BASE}/users/alice`],
        object: {
          id: noteId,
          type: 'Note',
          attributedTo: remote.actorId,
          to: [PUBLIC],
          cc: [`${BASE}/users/alice`],
          content: `<p>${text}</p>`,
          published: new Date().toISOString(),
          tag: [{ type: 'Mention', href: `${BASE}/users/alice` }],
        },
      },
    };
  };
  const statusByUri = async (uri: string) => (await instance.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0];

  it('a suspension: the domain’s accounts suspended, follows both ways ended, inbox refused (403, nothing stored), no deliveries, no fetches; lifting it restores the accounts', async () => {
    // bob follows alice through the inbox; alice follows bob
    const followed = await post({ id: `${remote.origin}/follows/${++n}`, type: 'Follow', object: `${BASE}/users/alice` });
    assert.equal(followed.status, 202, followed.text);
    await until(async () => (await followsWithBob()).length === 1, 'bob to follow alice');
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
    const carol = await instance.createUser('carol');
    await instance.ctx.db.insert(followRequests).values({ accountId: carol.accountId, targetAccountId: bobId });

    // the block is on the host: bob's domain is the host with its port
    const id = await block({ domain: '127.0.0.1', severity: 'suspend' });
    const suspended = await bob();
    assert.ok(suspended.suspendedAt, 'bob is suspended');
    assert.deepEqual(await followsWithBob(), []);
    assert.deepEqual(await instance.ctx.db.select().from(followRequests).where(eq(followRequests.targetAccountId, bobId)), []);
    const counts = await instance.request('GET', `/api/v1/accounts/${alice.accountId}`, { token: alice.token });
    assert.equal(counts.body.followers_count, 0);
    assert.equal(counts.body.following_count, 0);

    // inbound: refused before anything is fetched or stored, on personal and shared inboxes
    const received = remote.received.length;
    const { noteId, activity } = mentionNote('from a suspended server');
    for (const inbox of [`${BASE}/users/alice/inbox`, `${BASE}/inbox`]) {
      const refused = await post(activity, inbox);
      assert.equal(refused.status, 403, refused.text);
      assert.deepEqual(JSON.parse(refused.text), { error: 'Domain not allowed' });
    }
    await queuesDrained(instance, ['ingress', 'pull', 'default']);
    assert.equal(await statusByUri(noteId), undefined);
    assert.equal(remote.received.length, received, 'not even its key was fetched');

    // outbound: the central filter drops the domain's inboxes (and those of its subdomains), keeps the others
    assert.deepEqual(await deliverableInboxes(instance.ctx, [`${remote.origin}/inbox`, 'https://other.example/inbox', `${remote.actorId}/inbox`]), ['https://other.example/inbox']);
    // nothing is delivered, even when sent straight to bob's inbox
    const delivered = remote.delivered.length;
    const note = new Note({ id: new URL(`${BASE}/users/alice/statuses/9`), attribution: new URL(`${BASE}/users/alice`), content: 'hi', to: new URL(PUBLIC) });
    await withFederation(instance.ctx, (fctx) =>
      fctx.sendActivity(
        { identifier: 'users/alice' },
        { id: new URL(remote.actorId), inboxId: new URL(`${remote.actorId}/inbox`) },
        new Create({ id: new URL(`${BASE}/users/alice/statuses/9/activity`), actor: new URL(`${BASE}/users/alice`), object: note }),
      ),
    );
    const mention = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: `hello @${remote.handle}` } });
    assert.equal(mention.status, 200, mention.text);
    await queuesDrained(instance);
    assert.equal(remote.delivered.length, delivered, 'nothing delivered to a suspended domain');

    // no fetches: resolving the handle or the actor asks nothing of the remote
    await instance.request('GET', `/api/v2/search?q=${encodeURIComponent(`${remote.origin}/users/someone-else`)}&resolve=true`, { token: alice.token });
    await instance.request('GET', `/api/v2/search?q=${encodeURIComponent(`${remote.origin}/notes/elsewhere`)}&resolve=true`, { token: alice.token });
    assert.equal(remote.received.length, received, 'nothing fetched from a suspended domain');

    // their statuses are not shown
    const timeline = await instance.request('GET', '/api/v1/timelines/public');
    assert.ok(!timeline.body.some((status: { account: { id: string } }) => status.account.id === bobId));

    // lifted: bob is restored and his server is heard again
    await unblock(id);
    assert.equal((await bob()).suspendedAt, null);
    const again = mentionNote('back again');
    const accepted = await post(again.activity);
    assert.equal(accepted.status, 202, accepted.text);
    await until(() => statusByUri(again.noteId), 'the status to be stored once the block is lifted');
  });

  it('a silence: the domain’s accounts silenced (kept out of the public timelines), lifted with the block; a suspension of a silenced account keeps its silence', async () => {
    const id = await block({ domain: '127.0.0.1', severity: 'silence' });
    assert.ok((await bob()).silencedAt, 'bob is silenced');
    const { noteId, activity } = mentionNote('silenced but heard');
    assert.equal((await post(activity)).status, 202);
    const stored = await until(() => statusByUri(noteId), 'the silenced account’s status to be stored');
    const timeline = await instance.request('GET', '/api/v1/timelines/public');
    assert.ok(!timeline.body.some((status: { id: string }) => status.id === stored.id), 'not in the public timeline');
    assert.equal((await instance.request('GET', `/api/v1/statuses/${stored.id}`, { token: alice.token })).status, 200);

    // raised to a suspension and lowered again: the suspension goes, the silence stays
    const raised = await instance.request('PUT', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token, json: { severity: 'suspend' } });
    assert.equal(raised.status, 200, raised.text);
    assert.ok((await bob()).suspendedAt);
    // a suspended account's statuses are gone from the API
    assert.equal((await instance.request('GET', `/api/v1/statuses/${stored.id}`, { token: alice.token })).status, 404);
    const lowered = await instance.request('PUT', `/api/v1/admin/domain_blocks/${id}`, { token: admin.token, json: { severity: 'silence' } });
    assert.equal(lowered.status, 200, lowered.text);
    assert.equal((await bob()).suspendedAt, null);
    assert.ok((await bob()).silencedAt);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${stored.id}`, { token: alice.token })).status, 200);

    await unblock(id);
    assert.equal((await bob()).silencedAt, null);
  });

  it('a noop block with reject_media changes no account and refuses no activity', async () => {
    assert.ok((await instance.request('GET', '/api/v1/instance/peers')).body.includes(remote.host));
    const id = await block({ domain: '127.0.0.1', severity: 'noop', reject_media: true });
    // a blocked domain is no peer, whatever the severity
    assert.deepEqual((await instance.request('GET', '/api/v1/instance/peers')).body, []);
    const account = await bob();
    assert.equal(account.silencedAt, null);
    assert.equal(account.suspendedAt, null);
    assert.equal((await post(mentionNote('noop').activity)).status, 202);
    await unblock(id);
  });
});

describe('LIMITED_FEDERATION_MODE', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let admin: TestUser;
  let alice: TestUser;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', LIMITED_FEDERATION_MODE: 'true' } });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    alice = await instance.createUser('alice');
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const search = () => instance.request('GET', `/api/v2/search?q=@${remote.handle}&resolve=true&type=accounts`, { token: alice.token });

  it('federates only with allowed domains: nothing fetched from or accepted from another until it is allowed', async () => {
    assert.equal((await instance.request('GET', '/api/v1/instance/peers')).status, 404);
    assert.deepEqual((await search()).body.accounts, []);
    assert.deepEqual(remote.received, [], 'WebFinger was not even asked');
    const follow = { '@context': AS, id: `${remote.origin}/follows/1`, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` };
    const refused = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, follow);
    assert.equal(refused.status, 403, refused.text);

    const allowed = await instance.request('POST', '/api/v1/admin/domain_allows', { token: admin.token, json: { domain: '127.0.0.1' } });
    assert.equal(allowed.status, 200, allowed.text);
    const found = await search();
    assert.equal(found.body.accounts.length, 1, found.text);
    const bobId = found.body.accounts[0].id;
    const accepted = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, follow);
    assert.equal(accepted.status, 202, accepted.text);
    await until(
      async () =>
        (
          await instance.ctx.db
            .select()
            .from(follows)
            .where(and(eq(follows.accountId, bobId), eq(follows.targetAccountId, alice.accountId)))
        ).length === 1,
      'the follow',
    );
    await until(async () => remote.delivered.some((entry) => entry.body.type === 'Accept'), 'the Accept delivered');

    // the allow removed: the follow ends and nothing more is sent
    const removed = await instance.request('DELETE', `/api/v1/admin/domain_allows/${allowed.body.id}`, { token: admin.token });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(await instance.ctx.db.select().from(follows).where(eq(follows.accountId, bobId)), []);
    const delivered = remote.delivered.length;
    await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: `hello @${remote.handle}` } });
    await queuesDrained(instance);
    assert.equal(remote.delivered.length, delivered);
  });
});
