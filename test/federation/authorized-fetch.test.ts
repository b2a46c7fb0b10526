import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { generateCryptoKeyPair, signRequest } from '@fedify/fedify';
import { CryptographicKey, Endpoints, Person } from '@fedify/vocab';
import { accounts, follows } from '../../src/db/schema.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { until } from '../helpers/federating-instances.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { startOn } from '../helpers/federating-instances.ts';
import { BASE } from '../helpers/constants.ts';

const AP = 'application/activity+json';

interface Signer {
  actorId: string;
  get(instanceUrl: string, canonicalUrl: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>;
}

/** An actor served by the fake remote with a key the test holds, to sign GETs with. */
async function signerOn(remote: FakeRemote, name: string): Promise<Signer> {
  const keys = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
  const actorId = `${remote.origin}/users/${name}`;
  const person = new Person({
    id: new URL(actorId),
    preferredUsername: name,
    inbox: new URL(`${actorId}/inbox`),
    endpoints: new Endpoints({ sharedInbox: new URL(`${remote.origin}/inbox`) }),
    publicKey: new CryptographicKey({ id: new URL(`${actorId}#main-key`), owner: new URL(actorId), publicKey: keys.publicKey }),
  });
  remote.serve(`/users/${name}`, await person.toJsonLd());
  return {
    actorId,
    async get(instanceUrl, canonicalUrl) {
      const signed = await signRequest(new Request(canonicalUrl, { headers: { accept: AP } }), keys.privateKey, new URL(`${actorId}#main-key`), { spec: 'draft-cavage-http-signatures-12' });
      return new Promise((resolve, reject) => {
        const req = httpRequest(new URL(new URL(canonicalUrl).pathname, instanceUrl), { method: 'GET', headers: Object.fromEntries(signed.headers) }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
        req.on('error', reject);
        req.end();
      });
    },
  };
}

const varies = (value: string | string[] | null | undefined) =>
  String(value ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());

describe('AUTHORIZED_FETCH', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let carol: Signer;
  let admin: TestUser;
  let alice: TestUser;
  let publicId: string;
  let privateId: string;

  before(async () => {
    remote = await startFakeRemote();
    carol = await signerOn(remote, 'carol');
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', AUTHORIZED_FETCH: 'true' } });
    admin = await instance.createUser('admin', { role: 'Owner', scopes: 'read write admin:read admin:write' });
    alice = await instance.createUser('alice');
    publicId = (await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'for everyone' } })).body.id;
    privateId = (await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'for followers', visibility: 'private' } })).body.id;
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const paths = () => [
    '/users/alice',
    '/users/alice/outbox',
    '/users/alice/followers',
    '/users/alice/following',
    '/users/alice/collections/featured',
    '/users/alice/collections/tags',
    `/users/alice/statuses/${publicId}`,
    `/users/alice/statuses/${publicId}/activity`,
    `/users/alice/statuses/${publicId}/replies`,
  ];

  it('refuses unsigned ActivityPub GETs of actors, statuses and collections with 401, varying by Signature', async () => {
    for (const path of paths()) {
      const response = await instance.request('GET', path, { headers: { accept: AP } });
      assert.equal(response.status, 401, `${path}: ${response.text}`);
      assert.deepEqual(response.body, { error: 'Request not signed' }, path);
      assert.ok(varies(response.headers.get('vary')).includes('signature'), `${path}: ${response.headers.get('vary')}`);
    }
    // a signature that does not verify (the signer's key is not where it says) is refused too
    const forged = await instance.request('GET', '/users/alice', {
      headers: { accept: AP, signature: `keyId="${remote.origin}/users/nobody#main-key",headers="(request-target) host date",signature="AAAA"`, date: new Date().toUTCString() },
    });
    assert.equal(forged.status, 401, forged.text);
  });

  it('serves the instance actor unsigned, so other servers can check this instance’s signatures; browsers still get pages', async () => {
    const actor = await instance.request('GET', '/actor', { headers: { accept: AP } });
    assert.equal(actor.status, 200, actor.text);
    assert.equal(actor.body.type, 'Application');
    assert.ok(varies(actor.headers.get('vary')).includes('signature'));
    const page = await instance.request('GET', '/users/alice', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 301);
    const webfinger = await instance.request('GET', '/.well-known/webfinger?resource=acct:alice@subspace.test');
    assert.equal(webfinger.status, 200);
  });

  it('serves a signed GET from a server it federates with, and refuses one from a suspended domain with 403', async () => {
    for (const path of paths()) {
      const response = await carol.get(instance.url, `${BASE}${path}`);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      assert.ok(varies(response.headers.vary).includes('signature'), path);
    }
    // the signer's key was fetched once, then taken from the cache
    assert.equal(remote.received.filter((line) => line === 'GET /users/carol').length, 1, remote.received.join('\n'));
    const blocked = await instance.request('POST', '/api/v1/admin/domain_blocks', { token: admin.token, json: { domain: '127.0.0.1', severity: 'suspend' } });
    assert.equal(blocked.status, 200, blocked.text);
    const refused = await carol.get(instance.url, `${BASE}/users/alice`);
    assert.equal(refused.status, 403, refused.text);
    assert.deepEqual(JSON.parse(refused.text), { error: 'Domain not allowed' });
    await instance.request('DELETE', `/api/v1/admin/domain_blocks/${blocked.body.id}`, { token: admin.token });
    assert.equal((await carol.get(instance.url, `${BASE}/users/alice`)).status, 200);
  });

  it('serves a followers-only status to a signed follower of its author, and to nobody else', async () => {
    const path = `/users/alice/statuses/${privateId}`;
    assert.equal((await carol.get(instance.url, `${BASE}${path}`)).status, 404);
    // carol, known here, follows alice
    const [row] = await instance.ctx.db
      .insert(accounts)
      .values({ username: 'carol', domain: remote.host, uri: carol.actorId, inboxUrl: `${carol.actorId}/inbox` })
      .returning();
    await instance.ctx.db.insert(follows).values({ accountId: row!.id, targetAccountId: alice.accountId });
    const shown = await carol.get(instance.url, `${BASE}${path}`);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(JSON.parse(shown.text).content, '<p>for followers</p>');
    const activity = await carol.get(instance.url, `${BASE}${path}/activity`);
    assert.equal(activity.status, 200, activity.text);
    // still not to someone unsigned (as if it did not exist)
    assert.equal((await instance.request('GET', path, { headers: { accept: AP } })).status, 404);
  });
});

describe('two instances in AUTHORIZED_FETCH mode', () => {
  let one: TestInstance;
  let two: TestInstance;

  before(async () => {
    one = await startOn({ AUTHORIZED_FETCH: 'true' });
    two = await startOn({ AUTHORIZED_FETCH: 'true' });
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  it('still federate: a member of one resolves and follows a member of the other, fetches and deliveries signed both ways', async () => {
    const alice = await one.createUser('alice');
    const bob = await two.createUser('bob');
    const handle = `bob@${two.config.localDomain}`;
    const found = await one.request('GET', `/api/v2/search?q=@${handle}&resolve=true&type=accounts`, { token: alice.token });
    assert.equal(found.body?.accounts?.length, 1, found.text);
    const bobOnOne = found.body.accounts[0];
    assert.equal(bobOnOne.acct, handle);

    const followed = await one.request('POST', `/api/v1/accounts/${bobOnOne.id}/follow`, { token: alice.token });
    assert.equal(followed.status, 200, followed.text);
    // two verified alice's Follow (fetching her key from one, signed) and accepted it; one verified the Accept
    await until(
      async () => {
        const rows = await two.ctx.db.select().from(follows).where(eq(follows.targetAccountId, bob.accountId));
        return rows.length === 1;
      },
      'the follow on two',
      60_000,
    );
    await until(
      async () => {
        const rows = await one.ctx.db
          .select()
          .from(follows)
          .where(and(eq(follows.accountId, alice.accountId), eq(follows.targetAccountId, bobOnOne.id)));
        return rows.length === 1;
      },
      'the Accept on one',
      60_000,
    );

    // a post of bob reaches alice's home timeline on one
    const posted = await two.request('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'hello from two' } });
    assert.equal(posted.status, 200, posted.text);
    await until(
      async () => {
        const home = await one.request('GET', '/api/v1/timelines/home', { token: alice.token });
        return Array.isArray(home.body) && home.body.some((status: { content: string }) => status.content.includes('hello from two'));
      },
      'the post on one',
      60_000,
    );
  });
});
