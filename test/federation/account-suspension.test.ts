import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { accounts, follows, mentions, statuses } from '../../src/db/schema.ts';
import { queueExpiredSuspensions } from '../../src/services/moderation/suspend-account.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateStatus, resolveRemoteAccount } from '../helpers/fabricators.ts';

const DAY = 24 * 3600 * 1000;

describe('suspensions in federation', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let admin: TestUser;
  let bobId: string;
  let n = 0;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    bobId = await resolveRemoteAccount(instance, admin, remote.handle);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const act = async (accountId: string, path: string, json: Record<string, unknown> = {}) => {
    const response = await instance.request('POST', `/api/v1/admin/accounts/${accountId}/${path}`, { token: admin.token, json });
    assert.equal(response.status, 200, response.text);
  };
  /** bob (on the remote server) follows a local member, and the Accept comes back */
  const bobFollows = async (username: string) => {
    const id = `${remote.actorId}#follows/${++n}`;
    const follow = { '@context': AS, id, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/${username}` };
    assert.equal((await remote.postSigned(instance.url, `${BASE}/users/${username}/inbox`, follow)).status, 202);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept' && entry.body.object?.id === id), 'the Accept');
    return id;
  };
  const updatesOf = (username: string) => remote.delivered.filter((entry) => entry.body.type === 'Update' && entry.body.actor === `${BASE}/users/${username}`);

  it('tells followers’ servers of a local suspension with an Update of the actor, and of its lifting', async () => {
    const alice = await instance.createUser('alice');
    await bobFollows('alice');
    await act(alice.accountId, 'action', { type: 'suspend' });
    const suspended = await until(async () => updatesOf('alice')[0], 'the Update with suspended');
    assert.equal(suspended.body.object.id, `${BASE}/users/alice`);
    assert.equal(suspended.body.object.suspended, true);
    assert.equal(suspended.path, '/inbox', 'to the shared inbox');
    const actor = await instance.request('GET', '/users/alice', { headers: { accept: 'application/activity+json' } });
    assert.equal(JSON.parse(actor.text).suspended, true);

    await act(alice.accountId, 'unsuspend');
    const lifted = await until(async () => updatesOf('alice')[1], 'the Update after unsuspension');
    assert.notEqual(lifted.body.id, suspended.body.id);
    assert.ok(!lifted.body.object.suspended, 'no longer suspended');
  });

  it('tells the servers of accounts a suspended member mentioned lately, though none follows them', async () => {
    const erin = await instance.createUser('erin');
    // erin mentioned bob in a status of today
    const status = await fabricateStatus(instance.ctx, erin.accountId, { text: 'hello bob', content: '<p>hello bob</p>' });
    await instance.ctx.db.insert(mentions).values({ statusId: status.id, accountId: bobId });
    await act(erin.accountId, 'action', { type: 'suspend' });
    const suspended = await until(async () => updatesOf('erin')[0], 'the Update with suspended');
    assert.equal(suspended.body.object.suspended, true);
    await act(erin.accountId, 'unsuspend');
    await until(async () => updatesOf('erin')[1], 'the Update after unsuspension');
    await queuesDrained(instance, ['push']);
    assert.equal(updatesOf('erin').length, 2, 'one Update each time');
  });

  it('rejects a suspended remote account’s follows and drops what it sends', async () => {
    const carol = await instance.createUser('carol');
    const followId = await bobFollows('carol');
    await act(bobId, 'action', { type: 'suspend' });
    const rejection = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Reject' && entry.body.actor === `${BASE}/users/carol`), 'the Reject(Follow)');
    assert.equal(rejection.body.object.type, 'Follow');
    assert.equal(rejection.body.object.id, followId);
    const remaining = await instance.ctx.db
      .select()
      .from(follows)
      .where(and(eq(follows.accountId, bobId), eq(follows.targetAccountId, carol.accountId)));
    assert.deepEqual(remaining, []);

    const mentionCarol = async () => {
      const noteId = `${remote.origin}/notes/${++n}`;
      const note = {
        id: noteId,
        type: 'Note',
        attributedTo: remote.actorId,
        content: '<p>hello @carol</p>',
        to: [PUBLIC],
        cc: [`${BASE}/users/carol`],
        tag: [{ type: 'Mention', href: `${BASE}/users/carol` }],
      };
      await remote.postSigned(instance.url, `${BASE}/users/carol/inbox`, { '@context': AS, id: `${noteId}/activity`, type: 'Create', actor: remote.actorId, to: note.to, cc: note.cc, object: note });
      return noteId;
    };
    const stored = (uri: string) => instance.ctx.db.select().from(statuses).where(eq(statuses.uri, uri));
    const dropped = await mentionCarol();
    await queuesDrained(instance);
    assert.deepEqual(await stored(dropped), [], 'the suspended account’s Create is dropped');

    await act(bobId, 'unsuspend');
    const [bob] = await instance.ctx.db.select().from(accounts).where(eq(accounts.id, bobId));
    assert.equal(bob?.suspendedAt, null);
    const kept = await mentionCarol();
    await until(async () => (await stored(kept)).length === 1, 'the same Create is taken once the suspension is lifted');
  });

  it('deletes a local account 30 days after its suspension, sending the Delete of the actor', async () => {
    const dave = await instance.createUser('dave');
    await bobFollows('dave');
    await act(dave.accountId, 'action', { type: 'suspend' });
    await queuesDrained(instance);
    assert.equal(await queueExpiredSuspensions(instance.ctx, new Date(Date.now() + 29 * DAY)), 0, 'kept within the 30 days');
    assert.equal(await queueExpiredSuspensions(instance.ctx, new Date(Date.now() + 31 * DAY)), 1);
    const deletion = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Delete' && entry.body.actor === `${BASE}/users/dave`), 'the Delete');
    assert.equal(deletion.body.object, `${BASE}/users/dave`);
    await until(async () => (await instance.ctx.db.select().from(accounts).where(eq(accounts.id, dave.accountId))).length === 0, 'the account is gone');
  });
});
