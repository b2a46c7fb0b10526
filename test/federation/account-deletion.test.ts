import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { follows } from '../../src/db/schema.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { runSubspace } from '../helpers/process.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { resolveRemoteAccount } from '../helpers/fabricators.ts';

describe('deleting a local account tells the servers that know it', () => {
  let instance: TestInstance;
  /** bob there follows alice */
  let follower: FakeRemote;
  /** alice follows bob there */
  let followed: FakeRemote;
  /** knows nothing of alice, but this instance knows an account there */
  let stranger: FakeRemote;
  before(async () => {
    [follower, followed, stranger] = await Promise.all([startFakeRemote(), startFakeRemote(), startFakeRemote()]);
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
  });
  after(async () => {
    await instance.close();
    await Promise.all([follower.close(), followed.close(), stranger.close()]);
  });

  it('sends a signed Delete of the actor to followers’, followed accounts’ and every other known server when the CLI deletes it', async () => {
    const alice = await instance.createUser('alice');
    const ids: Record<string, string> = {};
    for (const [name, remote] of Object.entries({ follower, followed, stranger })) {
      ids[name] = await resolveRemoteAccount(instance, alice, remote.handle);
    }
    // the follower's Follow arrives and is accepted; alice follows the other bob
    const follow = { '@context': AS, id: `${follower.actorId}#follows/1`, type: 'Follow', actor: follower.actorId, object: `${BASE}/users/alice` };
    assert.equal((await follower.postSigned(instance.url, `${BASE}/users/alice/inbox`, follow)).status, 202);
    await until(async () => follower.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: ids.followed! });

    const cli = runSubspace(['accounts', 'delete', 'alice'], instance.env);
    assert.equal(await cli.exited, 0, cli.output());
    assert.equal(cli.output(), 'OK\n');

    for (const remote of [follower, followed, stranger]) {
      const deletion = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Delete'), `the Delete at ${remote.host}`);
      assert.equal(deletion.path, '/inbox', 'to the shared inbox');
      assert.equal(deletion.body.id, `${BASE}/users/alice#delete`);
      assert.equal(deletion.body.actor, `${BASE}/users/alice`);
      assert.equal(deletion.body.object, `${BASE}/users/alice`);
      assert.deepEqual([deletion.body.to].flat(), ['https://www.w3.org/ns/activitystreams#Public']);
      const signature = `${deletion.headers['signature-input'] ?? ''} ${deletion.headers.signature ?? ''}`;
      assert.ok(signature.includes(`${BASE}/users/alice#main-key`), signature);
    }
    const actor = await instance.request('GET', '/users/alice', { headers: { accept: 'application/activity+json' } });
    assert.ok(actor.status === 404 || actor.status === 410, `the actor is gone (${actor.status})`);
    // one Delete per server
    await queuesDrained(instance);
    assert.equal(follower.delivered.filter((entry) => entry.body.type === 'Delete').length, 1);
  });
});
