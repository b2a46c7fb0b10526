import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withFederation } from '../../src/federation/federation.ts';
import { SUBSPACE_VERSION } from '../../src/lib/instance-limits.ts';
import { findLocalStatus, statusActivities } from '../../src/federation/statuses.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { BASE } from '../helpers/constants.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';

describe('sending an activity (the seam outbound delivery builds on)', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  it('queues the delivery in push, where a worker signs it with the member’s key and POSTs it to the inbox', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'hello, remote' } });
    await withFederation(instance.ctx, async (fctx) => {
      const [activity] = await statusActivities(fctx, [(await findLocalStatus(instance.ctx, 'users/alice', posted.body.id))!]);
      await fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(remote.actorId), inboxId: new URL(`${remote.actorId}/inbox`) }, activity!);
    });

    await until(async () => remote.delivered.length > 0, 'the delivery');
    await queuesDrained(instance);
    assert.equal(remote.delivered.length, 1, 'delivered once');
    const [{ headers, body }] = remote.delivered as [FakeRemote['delivered'][number]];
    assert.equal(body.type, 'Create');
    assert.equal(body.id, `${posted.body.uri}/activity`);
    assert.equal(body.actor, `${BASE}/users/alice`);
    assert.equal(body.object.id, posted.body.uri);
    assert.match(body.object.conversation, /^tag:subspace\.test,/);
    assert.ok([body.to].flat().includes('https://www.w3.org/ns/activitystreams#Public'));
    // draft-cavage first, as Mastodon signs; RFC 9421 only for a server that refused it and took that
    assert.equal(headers['signature-input'], undefined, 'no RFC 9421 signature');
    const signature = String(headers.signature);
    assert.ok(signature.includes(`keyId="${BASE}/users/alice#main-key"`), `signed by alice's key: ${signature}`);
    assert.match(signature, /headers="\(request-target\) [^"]*digest/, 'covering the target and the body');
    assert.equal(headers['user-agent'], `Subspace/${SUBSPACE_VERSION} (Fedify; +${BASE}/)`);
    assert.deepEqual(await instance.ctx.queue.deadJobs('push'), []);
  });
});
