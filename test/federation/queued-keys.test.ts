import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyRequest, type Message } from '@fedify/fedify';
import { Like } from '@fedify/vocab';
import { runFederationTask, withFederation } from '../../src/federation/federation.ts';
import { deleteLocalAccountAndAnnounce } from '../../src/federation/deliver-account-deletion.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { queuesDrained } from '../helpers/queues-drained.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { interceptEnqueue } from '../helpers/queue-intercept.ts';

/** Every path in `value` to a member named like a private key: Fedify's `privateKey`, or a JWK's private exponent `d`. */
function privateMembers(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => privateMembers(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [...(key === 'privateKey' || key === 'd' ? [`${path}.${key}`] : []), ...privateMembers(item, `${path}.${key}`)]);
}

describe('queued deliveries carry key ids, not private keys', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  /** every job handed to the queue, as it is stored (through JSON) */
  const enqueued: { name: string; data: any }[] = [];
  /** jobs kept out of the queue, to be run by the test */
  const held: { name: string; data: any }[] = [];
  let hold: (name: string, data: any) => boolean = () => false;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    await instance.createUser('alice');
    interceptEnqueue(instance.ctx.queue, async (original, queueName, name, data, options) => {
      const stored = { name, data: JSON.parse(JSON.stringify(data ?? null)) };
      enqueued.push(stored);
      if (hold(name, stored.data)) {
        held.push(stored);
        return;
      }
      return original(queueName, name, data, options);
    });
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  /** Checks the signature of a request the remote received against the sender's key, as the instance publishes it. */
  const signer = async (entry: FakeRemote['delivered'][number]): Promise<string | undefined> => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(entry.headers)) {
      if (typeof value === 'string' && !['content-length', 'connection', 'transfer-encoding'].includes(name)) headers.set(name, value);
    }
    const request = new Request(`${remote.origin}${entry.path}`, { method: 'POST', headers, body: JSON.stringify(entry.body) });
    const key = await verifyRequest(request, {
      spec: headers.has('signature-input') ? 'rfc9421' : 'draft-cavage-http-signatures-12',
      documentLoader: async (url) => {
        const target = new URL(url);
        assert.equal(target.origin, BASE);
        const response = await instance.request('GET', target.pathname, { headers: { accept: 'application/activity+json' } });
        assert.equal(response.status, 200, `${url}: ${response.status}`);
        return { contextUrl: null, documentUrl: url, document: JSON.parse(response.text) };
      },
    });
    return key?.id?.href;
  };

  const deliveries = (name: string) => enqueued.filter((job) => job.name === name);

  it('an Accept: its delivery job names the sender’s keys only, and is sent signed with them', async () => {
    const response = await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, {
      '@context': AS,
      id: `${remote.origin}/follows/1`,
      type: 'Follow',
      actor: remote.actorId,
      object: `${BASE}/users/alice`,
    });
    assert.equal(response.status, 202, response.text);
    const accept = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    const [job] = deliveries('ActivityPub::DeliveryWorker').filter((entry) => entry.data.activityId === accept.body.id);
    assert.ok(job, 'the delivery job');
    assert.deepEqual(privateMembers(job.data), [], 'no private key in the stored job');
    assert.deepEqual(job.data.keys, [{ keyId: `${BASE}/users/alice#main-key` }, { keyId: `${BASE}/users/alice#key-2` }]);
    assert.equal(await signer(accept), `${BASE}/users/alice#main-key`, 'the signature verifies with alice’s published key');
    assert.equal(await signer({ ...accept, body: { ...accept.body, id: `${accept.body.id}-forged` } }), undefined, 'and only the body it signed');
  });

  it('a fan-out and the deliveries it makes: no private key in either', async () => {
    const like = new Like({ id: new URL(`${BASE}/users/alice#likes/fanned`), actor: new URL(`${BASE}/users/alice`), object: new URL(`${remote.actorId}/statuses/1`) });
    await withFederation(instance.ctx, (fctx) =>
      fctx.sendActivity({ identifier: 'users/alice' }, { id: new URL(remote.actorId), inboxId: new URL(`${remote.actorId}/inbox`) }, like, { fanout: 'force' }),
    );
    const sent = await until(async () => remote.delivered.find((entry) => entry.body.id === like.id!.href), 'the Like');
    const fanout = deliveries('ActivityPub::FanoutWorker').find((entry) => entry.data.activityId === like.id!.href);
    const delivery = deliveries('ActivityPub::DeliveryWorker').find((entry) => entry.data.activityId === like.id!.href);
    assert.ok(fanout && delivery);
    assert.deepEqual(privateMembers(fanout.data), []);
    assert.deepEqual(privateMembers(delivery.data), []);
    assert.deepEqual(
      fanout.data.keys.map((key: { keyId: string }) => key.keyId),
      [`${BASE}/users/alice#main-key`, `${BASE}/users/alice#key-2`],
    );
    assert.equal(await signer(sent), `${BASE}/users/alice#main-key`);
  });

  it('the instance actor’s deliveries are signed with its key, looked up again', async () => {
    const like = new Like({ id: new URL(`${BASE}/actor#likes/test`), actor: new URL(`${BASE}/actor`), object: new URL(`${remote.actorId}/statuses/2`) });
    await withFederation(instance.ctx, (fctx) => fctx.sendActivity({ identifier: 'actor' }, { id: new URL(remote.actorId), inboxId: new URL(`${remote.actorId}/inbox`) }, like));
    const sent = await until(async () => remote.delivered.find((entry) => entry.body.id === like.id!.href), 'the Like');
    const delivery = deliveries('ActivityPub::DeliveryWorker').find((entry) => entry.data.activityId === like.id!.href);
    assert.deepEqual(privateMembers(delivery!.data), []);
    assert.equal(await signer(sent), `${BASE}/actor#main-key`);
  });

  it('a delivery whose sender was deleted meanwhile is dropped; the account’s own Delete still goes, signed', async () => {
    const dora = await instance.createUser('dora');
    const likeId = `${BASE}/users/dora#likes/late`;
    hold = (name, data) => name === 'ActivityPub::DeliveryWorker' && data.activityId === likeId;
    try {
      const like = new Like({ id: new URL(likeId), actor: new URL(`${BASE}/users/dora`), object: new URL(`${remote.actorId}/statuses/3`) });
      await withFederation(instance.ctx, (fctx) => fctx.sendActivity({ identifier: 'users/dora' }, { id: new URL(remote.actorId), inboxId: new URL(`${remote.actorId}/inbox`) }, like));
    } finally {
      hold = () => false;
    }
    assert.equal(held.length, 1, 'the delivery is queued');
    await deleteLocalAccountAndAnnounce(instance.ctx, dora.accountId);
    // the Delete of the account, queued just before its keys went, is sent: it keeps its key in the job, the one exception
    const deletion = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Delete' && entry.body.actor === `${BASE}/users/dora`), 'the Delete');
    assert.ok(deletion.headers.signature || deletion.headers['signature-input'], 'signed');
    const deletionJobs = enqueued.filter((job) => job.name.startsWith('ActivityPub::') && job.data?.activityType === `${AS}#Delete` && job.data.activity?.actor === `${BASE}/users/dora`);
    assert.ok(deletionJobs.length > 0 && deletionJobs.every((job) => privateMembers(job.data).length > 0));
    // the held delivery runs now: dora's keys are gone, so it is dropped, unsent and without failing
    await runFederationTask(instance.ctx, held[0]!.data as Message);
    await queuesDrained(instance);
    assert.equal(remote.delivered.filter((entry) => entry.body.id === likeId).length, 0, 'not sent');
  });
});
