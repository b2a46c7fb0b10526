import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { generateCryptoKeyPair, signJsonLd, signRequest, verifyJsonLd } from '@fedify/fedify';
import { CryptographicKey, Endpoints, Person } from '@fedify/vocab';
import { follows, statuses } from '../../src/db/schema.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';

const SECURITY = 'https://w3id.org/security/v1';

/** A remote server whose actor, carol, signs what she sends both over HTTP and as JSON-LD (Mastodon's LD signatures). */
async function startSigningRemote() {
  const keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
  const delivered: { body: any; headers: Record<string, unknown> }[] = [];
  let actorJson = '';
  let host = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://remote');
    if (req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        delivered.push({ body: JSON.parse(body), headers: req.headers });
        res.writeHead(202).end();
      });
    } else if (url.pathname === '/users/carol') {
      res.writeHead(200, { 'content-type': 'application/activity+json' }).end(actorJson);
    } else if (url.pathname === '/.well-known/webfinger' && url.searchParams.get('resource') === `acct:carol@${host}`) {
      res
        .writeHead(200, { 'content-type': 'application/jrd+json' })
        .end(JSON.stringify({ subject: `acct:carol@${host}`, links: [{ rel: 'self', type: 'application/activity+json', href: `http://${host}/users/carol` }] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const origin = `http://${host}`;
  const actorId = `${origin}/users/carol`;
  const keyId = new URL(`${actorId}#main-key`);
  actorJson = JSON.stringify(
    await new Person({
      id: new URL(actorId),
      preferredUsername: 'carol',
      inbox: new URL(`${actorId}/inbox`),
      followers: new URL(`${actorId}/followers`),
      endpoints: new Endpoints({ sharedInbox: new URL(`${origin}/inbox`) }),
      publicKey: new CryptographicKey({ id: keyId, owner: new URL(actorId), publicKey: keys.publicKey }),
    }).toJsonLd(),
  );
  return {
    origin,
    host,
    actorId,
    delivered,
    /** the activity with carol's Linked Data signature */
    ldSign: async (activity: Record<string, unknown>): Promise<Record<string, any>> => (await signJsonLd(activity, keys.privateKey, keyId, {})) as Record<string, any>,
    /** POSTs the activity HTTP-signed by carol to the instance's shared inbox */
    async post(instanceUrl: string, activity: unknown) {
      const body = JSON.stringify(activity);
      const signed = await signRequest(new Request(`${BASE}/inbox`, { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body }), keys.privateKey, keyId, {
        spec: 'draft-cavage-http-signatures-12',
      });
      return new Promise<number>((resolve, reject) => {
        const req = httpRequest(new URL('/inbox', instanceUrl), { method: 'POST', headers: Object.fromEntries(signed.headers) }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Loads documents from the loopback remotes, for checking a signature the way a receiving server would. */
const loopbackLoader = async (url: string) => {
  const response = await fetch(url, { headers: { accept: 'application/activity+json' } });
  return { contextUrl: null, documentUrl: url, document: await response.json() };
};

describe('replies to members’ posts are forwarded to their followers', () => {
  let instance: TestInstance;
  let carol: Awaited<ReturnType<typeof startSigningRemote>>;
  let follower: FakeRemote;
  let alice: TestUser;
  let n = 0;

  before(async () => {
    carol = await startSigningRemote();
    follower = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    alice = await instance.createUser('alice');
    // bob (on the follower server) and carol both follow alice
    for (const query of [`@${follower.handle}`, `@carol@${carol.host}`]) {
      const found = await instance.request('GET', `/api/v2/search?q=${encodeURIComponent(query)}&resolve=true&type=accounts`, { token: alice.token });
      assert.equal(found.body?.accounts?.length, 1, found.text);
      await instance.ctx.db.insert(follows).values({ accountId: found.body.accounts[0].id, targetAccountId: alice.accountId });
    }
  });
  after(async () => {
    await instance.close();
    await carol.close();
    await follower.close();
  });

  const localPost = async (json: Record<string, unknown>) => {
    const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json });
    assert.equal(response.status, 200, response.text);
    return response.body as { id: string; uri: string };
  };
  const reply = (inReplyTo: string, visibility: 'public' | 'private' = 'public') => {
    const id = `${carol.actorId}/statuses/${++n}`;
    const to = visibility === 'public' ? [PUBLIC] : [`${carol.actorId}/followers`];
    const cc = visibility === 'public' ? [`${carol.actorId}/followers`, `${BASE}/users/alice`] : [`${BASE}/users/alice`];
    return {
      '@context': [AS, SECURITY],
      id: `${id}/activity`,
      type: 'Create',
      actor: carol.actorId,
      published: new Date().toISOString(),
      to,
      cc,
      object: { id, type: 'Note', attributedTo: carol.actorId, inReplyTo, content: `<p>reply ${n}</p>`, published: new Date().toISOString(), to, cc },
    };
  };
  const deliver = async (activity: unknown) => assert.equal(await carol.post(instance.url, activity), 202);
  const arrived = (uri: string) =>
    until(
      () =>
        instance.ctx.db
          .select()
          .from(statuses)
          .where(eq(statuses.uri, uri))
          .then((rows) => rows[0]),
      `status ${uri}`,
    );
  const drained = async () => {
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.ingress === 0 && counts.push === 0;
    }, 'the ingress and push queues to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), []);
  };
  const forwardedTo = (remote: { delivered: any[] }, id: string): any[] => remote.delivered.filter((item) => item.body?.id === id);

  it('a signed public reply to alice reaches her followers’ servers as it came, its signature intact, except the server it came from', async () => {
    const original = await localPost({ status: 'what do you think?' });
    const activity = await carol.ldSign(reply(original.uri));
    assert.ok((activity as { signature?: unknown }).signature, 'the activity carries an LD signature');
    await deliver(activity);
    const stored = await arrived((activity as { object: { id: string } }).object.id);
    assert.equal(stored.inReplyToId, original.id);
    const [forwarded] = await until(async () => {
      const found = forwardedTo(follower, (activity as { id: string }).id);
      return found.length > 0 && found;
    }, 'the forwarded reply at the follower’s server');
    assert.deepEqual(forwarded!.body, activity, 'forwarded verbatim');
    assert.equal(forwarded!.path, '/inbox', 'to the shared inbox');
    // draft-cavage or RFC 9421, whichever the instance chose for that server
    const signatureHeaders = `${forwarded!.headers['signature-input'] ?? ''} ${forwarded!.headers.signature ?? ''}`;
    assert.match(signatureHeaders, new RegExp(`keyid="${BASE}/users/alice#`, 'i'), 'HTTP-signed by alice');
    assert.equal(await verifyJsonLd(forwarded!.body, { documentLoader: loopbackLoader }), true, 'carol’s Linked Data signature still verifies');
    await drained();
    assert.equal(forwardedTo(follower, (activity as { id: string }).id).length, 1, 'one copy per server');
    assert.deepEqual(forwardedTo(carol, (activity as { id: string }).id), [], 'not sent back to where it came from');
    // seen through the API: the reply is in alice's thread
    const context = await instance.request('GET', `/api/v1/statuses/${original.id}/context`, { token: alice.token });
    assert.deepEqual(
      context.body.descendants.map((status: { id: string }) => status.id),
      [stored.id],
    );
  });

  it('not forwarded: an unsigned reply, a followers-only reply, a reply to a status not from here', async () => {
    const original = await localPost({ status: 'second thoughts?' });
    const unsigned = reply(original.uri);
    const followersOnly = await carol.ldSign(reply(original.uri, 'private'));
    const remoteParent = await carol.ldSign(reply(`${follower.actorId}/statuses/unknown-${n}`));
    for (const activity of [unsigned, followersOnly]) {
      await deliver(activity);
      await arrived((activity as { object: { id: string } }).object.id);
    }
    await deliver(remoteParent);
    // a forwarded reply delivered last, so that the others had their chance to be forwarded first
    const sentinel = await carol.ldSign(reply(original.uri));
    await deliver(sentinel);
    await until(async () => forwardedTo(follower, (sentinel as { id: string }).id).length > 0, 'the last reply forwarded');
    await drained();
    for (const activity of [unsigned, followersOnly, remoteParent]) {
      assert.deepEqual(forwardedTo(follower, (activity as { id: string }).id), [], `${(activity as { id: string }).id} not forwarded`);
    }
  });

  it('a signed edit of a reply to alice, or of a status alice boosted, is forwarded too; an unsigned one is not', async () => {
    const original = await localPost({ status: 'edit away' });
    const created = await carol.ldSign(reply(original.uri));
    await deliver(created);
    const stored = await arrived(created.object.id);
    await until(async () => forwardedTo(follower, created.id).length > 0, 'the reply forwarded');
    const edit = (activity: Record<string, any>, seconds: number, content: string) => {
      const { signature: _signature, ...unsigned } = activity;
      const updated = new Date(Date.now() + seconds * 1000).toISOString();
      return { ...unsigned, id: `${activity.object.id}#updates/${seconds}`, type: 'Update', object: { ...activity.object, content, updated } };
    };
    const signedEdit = await carol.ldSign(edit(created, 1, '<p>edited reply</p>'));
    await deliver(signedEdit);
    const [forwarded] = await until(async () => {
      const found = forwardedTo(follower, signedEdit.id);
      return found.length > 0 && found;
    }, 'the forwarded edit');
    assert.deepEqual(forwarded!.body, signedEdit);
    assert.equal(await verifyJsonLd(forwarded!.body, { documentLoader: loopbackLoader }), true);
    const shown = await instance.request('GET', `/api/v1/statuses/${stored.id}`, { token: alice.token });
    assert.equal(shown.body.content, '<p>edited reply</p>');

    // a status of carol's (addressed to alice, so stored here) that alice boosts
    const standalone = await carol.ldSign(reply(`${carol.actorId}/statuses/nothing-${n}`));
    await deliver(standalone);
    const boosted = await arrived(standalone.object.id);
    const reblog = await instance.request('POST', `/api/v1/statuses/${boosted.id}/reblog`, { token: alice.token });
    assert.equal(reblog.status, 200, reblog.text);
    const unsignedEdit = edit(standalone, 2, '<p>unsigned edit</p>');
    await deliver(unsignedEdit);
    const boostedEdit = await carol.ldSign(edit(standalone, 3, '<p>signed edit</p>'));
    await deliver(boostedEdit);
    await until(async () => forwardedTo(follower, boostedEdit.id).length > 0, 'the edit of the boosted status forwarded to alice’s followers');
    await drained();
    assert.deepEqual(forwardedTo(follower, unsignedEdit.id), [], 'an unsigned edit is not forwarded');
    assert.deepEqual(forwardedTo(carol, boostedEdit.id), []);
  });
});
