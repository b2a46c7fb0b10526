import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { generateCryptoKeyPair } from '@fedify/fedify';
import { statuses } from '../../src/db/schema.ts';
import { weakSignatureReason } from '../../src/federation/signature-strength.ts';
import { startFakeRemote, type FakeRemote, type SignOptions } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { remoteCreate, remoteNote } from '../helpers/remote-statuses.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';

const HOUR = 3_600_000;

let serial = 0;
/** A public Create of a Note by the remote's bob, with an id never used before. */
function create(remote: FakeRemote, text = 'hello'): any {
  const n = `${Date.now()}${++serial}`;
  const id = `${remote.actorId}/statuses/${n}`;
  return remoteCreate(remote, remoteNote(remote, id, { content: `<p>${text} ${n}</p>`, url: id }));
}

/** What every test here needs: an instance, alice, and remote servers whose bob alice follows (so what he posts concerns her). */
function setUp() {
  const state = {} as { instance: TestInstance; alice: TestUser; remote: FakeRemote };
  before(async () => {
    state.remote = await startFakeRemote();
    state.instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    state.alice = await state.instance.createUser('alice');
    await follow(state.instance, state.alice, state.remote);
  });
  after(async () => {
    await state.instance.close();
    await state.remote.close();
  });
  return state;
}

async function follow(instance: TestInstance, alice: TestUser, remote: FakeRemote): Promise<string> {
  const id = await resolveRemoteAccount(instance, alice, remote.handle);
  await fabricateFollow(instance.ctx, alice.accountId, id);
  return id;
}

function helpers(state: ReturnType<typeof setUp>) {
  const statusRows = (uri: string) => state.instance.ctx.db.select().from(statuses).where(eq(statuses.uri, uri));
  const self = {
    statusRows,
    /** waits until the status is stored, then shows it through the REST API as alice sees it */
    async arrived(uri: string) {
      const row = await until(async () => (await statusRows(uri))[0], `status ${uri} to be stored`);
      const shown = await state.instance.request('GET', `/api/v1/statuses/${row.id}`, { token: state.alice.token });
      assert.equal(shown.status, 200, shown.text);
      return shown.body as { id: string; uri: string; content: string; account: { acct: string } };
    },
    /** waits until every accepted activity was processed, none failing */
    async settled() {
      await until(async () => (await state.instance.ctx.queue.counts()).ingress === 0, 'the ingress queue to drain');
      assert.deepEqual(await state.instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
    },
    /** nothing stored for any of these activities, and nothing about them in alice's home timeline */
    async nothingStored(...activities: Record<string, any>[]) {
      await self.settled();
      for (const activity of activities) assert.deepEqual(await statusRows(activity.object.id), [], `${activity.object.id} was not stored`);
      const home = await state.instance.request('GET', '/api/v1/timelines/home?limit=40', { token: state.alice.token });
      const uris = new Set((home.body as { uri: string }[]).map((status) => status.uri));
      for (const activity of activities) assert.ok(!uris.has(activity.object.id), `${activity.object.id} is not in the home timeline`);
    },
    async post(activity: unknown, options?: SignOptions & { inbox?: string; remote?: FakeRemote }) {
      return (options?.remote ?? state.remote).postSigned(state.instance.url, `${BASE}${options?.inbox ?? '/inbox'}`, activity, options);
    },
  };
  return self;
}

describe('HTTP Signatures on inbound activities', () => {
  const state = setUp();
  const { arrived, nothingStored, post, settled, statusRows } = helpers(state);

  for (const [label, options] of [
    ['draft-cavage rsa-sha256 (Mastodon)', {}],
    ['draft-cavage hs2019', { algorithm: 'hs2019' }],
    ['RFC 9421 HTTP Message Signatures', { spec: 'rfc9421' }],
  ] as [string, SignOptions][]) {
    it(`accepts a Create signed with ${label} at the personal and the shared inbox, and stores it`, async () => {
      for (const inbox of ['/users/alice/inbox', '/inbox']) {
        const activity = create(state.remote, `${label} at ${inbox}`);
        const response = await post(activity, { ...options, inbox });
        assert.equal(response.status, 202, `${inbox}: ${response.text}`);
        const shown = await arrived(activity.object.id);
        assert.equal(shown.account.acct, state.remote.handle);
        assert.match(shown.content, new RegExp(`${label.replace(/[()]/g, '.')} at`));
      }
    });
  }

  it('refuses (401) a wrong signature, a wrong digest, a body changed after signing, missing headers and unknown keys, storing nothing', async () => {
    const { remote } = state;
    const refused: Record<string, any>[] = [];
    const expect401 = async (label: string, activity: any, change: (request: { headers: Record<string, string>; body: string }) => void, options: SignOptions = {}) => {
      for (const inbox of ['/users/alice/inbox', '/inbox']) {
        const request = await remote.sign(`${BASE}${inbox}`, activity, options);
        change(request);
        const response = await remote.send(state.instance.url, request);
        assert.equal(response.status, 401, `${label} at ${inbox}: ${response.status} ${response.text}`);
      }
      refused.push(activity);
    };
    const flip = (signature: string) => signature.replace(/signature="([A-Za-z0-9+/])/, (_, first: string) => `signature="${first === 'A' ? 'B' : 'A'}`);
    const otherBody = (activity: any) => JSON.stringify({ ...activity, object: { ...activity.object, content: '<p>forged</p>' } });

    // draft-cavage
    await expect401('a wrong signature', create(remote), (r) => void (r.headers.signature = flip(r.headers.signature!)));
    await expect401('a digest of another body', create(remote), (r) => {
      const forged = create(remote);
      r.body = JSON.stringify(forged);
      refused.push(forged);
    });
    await expect401('a body changed after signing (digest recomputed)', create(remote), (r) => {
      r.body = otherBody(JSON.parse(r.body));
      r.headers.digest = `SHA-256=${createHashBase64(r.body)}`;
    });
    await expect401('no Date header', create(remote), (r) => void delete r.headers.date);
    await expect401('no Digest header', create(remote), (r) => void delete r.headers.digest);
    await expect401('no headers parameter', create(remote), (r) => void (r.headers.signature = r.headers.signature!.replace(/headers="[^"]*",/, '')));
    await expect401(
      'a signature covering neither digest nor date',
      create(remote),
      (r) => void (r.headers.signature = r.headers.signature!.replace(/headers="[^"]*"/, 'headers="(request-target) host"')),
    );
    await expect401('no keyId', create(remote), (r) => void (r.headers.signature = r.headers.signature!.replace(/keyId="[^"]*",/, '')));
    await expect401('a keyId bob’s actor does not have', create(remote), () => {}, { keyId: `${remote.actorId}#other-key` });
    await expect401('a keyId on bob’s server that does not exist', create(remote), () => {}, { keyId: `${remote.origin}/keys/missing` });
    const stranger = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
    await expect401('another key under bob’s keyId', create(remote), () => {}, { privateKey: stranger.privateKey });
    // RFC 9421
    await expect401(
      'RFC 9421: a wrong signature',
      create(remote),
      (r) => void (r.headers.signature = r.headers.signature!.replace(/=:([A-Za-z0-9+/])/, (_, first: string) => `=:${first === 'A' ? 'B' : 'A'}`)),
      { spec: 'rfc9421' },
    );
    await expect401('RFC 9421: a body changed after signing', create(remote), (r) => void (r.body = otherBody(JSON.parse(r.body))), { spec: 'rfc9421' });
    await expect401(
      'RFC 9421: a body changed and its Content-Digest with it',
      create(remote),
      (r) => {
        r.body = otherBody(JSON.parse(r.body));
        r.headers['content-digest'] = `sha-256=:${createHashBase64(r.body)}:`;
      },
      { spec: 'rfc9421' },
    );
    await expect401('RFC 9421: no Signature-Input', create(remote), (r) => void delete r.headers['signature-input'], { spec: 'rfc9421' });
    await expect401('RFC 9421: no created parameter', create(remote), (r) => void (r.headers['signature-input'] = r.headers['signature-input']!.replace(/;created=\d+/, '')), { spec: 'rfc9421' });
    await expect401('RFC 9421: another key under bob’s keyId', create(remote), () => {}, { spec: 'rfc9421', privateKey: stranger.privateKey });

    // signed for one inbox, sent to another; signed for another host
    for (const spec of ['draft-cavage', 'rfc9421'] as const) {
      const elsewhere = create(remote);
      const request = await remote.sign(`${BASE}/inbox`, elsewhere, { spec });
      assert.equal((await remote.send(state.instance.url, { ...request, path: '/users/alice/inbox' })).status, 401, `${spec}: signed for /inbox, sent to alice's`);
      const otherHost = create(remote);
      const forOtherHost = await remote.sign('http://other.example/inbox', otherHost, { spec });
      assert.equal((await remote.send(state.instance.url, { ...forOtherHost, path: '/inbox' })).status, 401, `${spec}: signed for another server`);
      refused.push(elsewhere, otherHost);
    }

    // then a good one goes through, and none of the refused ones was stored
    const good = create(remote);
    assert.equal((await post(good)).status, 202);
    await arrived(good.object.id);
    await nothingStored(...refused);
  });

  it('refuses an RFC 9421 POST whose signature does not cover the body (no Content-Digest), as Mastodon does', async () => {
    const activity = create(state.remote);
    const response = await post(activity, { spec: 'rfc9421', withoutBodyDigest: true });
    assert.equal(response.status, 401, response.text);
    await nothingStored(activity);
  });

  it('refuses a request signed too long ago or too far ahead (Date or RFC 9421 created), accepts one signed half an hour ago', async () => {
    const refused = [];
    for (const [label, offset] of [
      ['13 hours ago (past Mastodon’s 12-hour limit)', -13 * HOUR],
      ['2 hours ago', -2 * HOUR],
      ['2 hours ahead', 2 * HOUR],
    ] as const) {
      for (const spec of ['draft-cavage', 'rfc9421'] as const) {
        const activity = create(state.remote);
        const response = await post(activity, { spec, time: new Date(Date.now() + offset) });
        assert.equal(response.status, 401, `${spec} signed ${label}: ${response.text}`);
        refused.push(activity);
      }
    }
    for (const spec of ['draft-cavage', 'rfc9421'] as const) {
      const recent = create(state.remote);
      const response = await post(recent, { spec, time: new Date(Date.now() - HOUR / 2) });
      assert.equal(response.status, 202, `${spec} signed 30 minutes ago: ${response.text}`);
      await arrived(recent.object.id);
    }
    await nothingStored(...refused);
  });

  it('stores a request replayed as it was (same signature, same body) once', async () => {
    const activity = create(state.remote);
    const request = await state.remote.sign(`${BASE}/inbox`, activity);
    assert.equal((await state.remote.send(state.instance.url, request)).status, 202);
    await arrived(activity.object.id);
    await settled();
    for (let i = 0; i < 3; i++) assert.equal((await state.remote.send(state.instance.url, request)).status, 202, 'a replay is acknowledged');
    // and once more at alice's inbox, signed anew
    assert.equal((await post(activity, { inbox: '/users/alice/inbox' })).status, 202);
    await settled();
    assert.equal((await statusRows(activity.object.id)).length, 1, 'stored once');
    const timeline = await state.instance.request('GET', '/api/v1/timelines/home?limit=40', { token: state.alice.token });
    assert.equal((timeline.body as { uri: string }[]).filter((status) => status.uri === activity.object.id).length, 1, 'once in the home timeline');
  });
});

describe('key rotation', () => {
  const state = setUp();
  const { arrived, nothingStored, post } = helpers(state);

  it('accepts the first delivery signed with bob’s new key (under the same keyId) by fetching his key again, then refuses his old key', async () => {
    const first = create(state.remote);
    assert.equal((await post(first)).status, 202);
    await arrived(first.object.id);
    const old = await state.remote.rotateKey();
    const fetches = () => state.remote.received.filter((line) => line === 'GET /users/bob').length;
    const before = fetches();
    const rotated = create(state.remote, 'signed with the new key');
    const response = await post(rotated);
    assert.equal(response.status, 202, response.text);
    assert.ok(fetches() > before, 'bob’s actor (his key) was fetched again');
    await arrived(rotated.object.id);
    // the cached key is now the new one: the old key is refused, the new one accepted without a fetch
    const stale = create(state.remote);
    assert.equal((await post(stale, { privateKey: old.privateKey })).status, 401);
    const again = create(state.remote);
    const fetchesNow = fetches();
    assert.equal((await post(again)).status, 202);
    assert.equal(fetches(), fetchesNow, 'the new key was cached');
    await arrived(again.object.id);
    await nothingStored(stale);
  });

  it('does the same at a personal inbox (whose key fetches are signed by the recipient, not the instance actor)', async () => {
    const other = await startFakeRemote();
    try {
      await follow(state.instance, state.alice, other);
      // the key is fetched for the first time at the personal inbox
      const first = create(other);
      assert.equal((await post(first, { inbox: '/users/alice/inbox', remote: other })).status, 202);
      await arrived(first.object.id);
      await other.rotateKey();
      const rotated = create(other, 'signed with the new key');
      const response = await post(rotated, { inbox: '/users/alice/inbox', remote: other });
      assert.equal(response.status, 202, response.text);
      await arrived(rotated.object.id);
    } finally {
      await other.close();
    }
  });

  it('accepts a key under a new keyId, and still refuses a key bob never had', async () => {
    await state.remote.rotateKey(`${state.remote.actorId}#key-2`);
    const renamed = create(state.remote, 'signed with key-2');
    const response = await post(renamed);
    assert.equal(response.status, 202, response.text);
    await arrived(renamed.object.id);
    const never = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
    const forged = [create(state.remote), create(state.remote), create(state.remote)];
    assert.equal((await post(forged[0], { privateKey: never.privateKey })).status, 401);
    assert.equal((await post(forged[1], { privateKey: never.privateKey, keyId: `${state.remote.actorId}#main-key` })).status, 401);
    assert.equal((await post(forged[2], { privateKey: never.privateKey, spec: 'rfc9421' })).status, 401);
    await nothingStored(...forged);
  });
});

function createHashBase64(body: string): string {
  return createHash('sha256').update(body).digest('base64');
}

describe('activities forwarded by another server', () => {
  const state = setUp();
  const { arrived, nothingStored, post } = helpers(state);
  let relay: FakeRemote;
  before(async () => {
    relay = await startFakeRemote();
  });
  after(() => relay.close());
  /** bob's Create as Mastodon signs what may be forwarded: with the security context */
  const signable = (text?: string) => ({ ...create(state.remote, text), '@context': [AS, 'https://w3id.org/security/v1'] });

  it('accepts bob’s Create Linked-Data-signed by bob and delivered by another server (HTTP-signed by that server), as bob’s', async () => {
    for (const spec of ['draft-cavage', 'rfc9421'] as const) {
      const activity = await state.remote.ldSign(signable(`forwarded with ${spec}`));
      const response = await post(activity, { remote: relay, spec });
      assert.equal(response.status, 202, response.text);
      const shown = await arrived(activity.object.id);
      assert.equal(shown.account.acct, state.remote.handle, 'stored as bob’s');
      assert.match(shown.content, new RegExp(`forwarded with ${spec}`));
    }
    assert.ok(
      relay.received.some((entry) => entry.startsWith('GET /users/bob')),
      `the forwarding server’s signature was checked with its key: ${relay.received}`,
    );
  });

  it('refuses (401) a forwarded Create whose Linked Data signature is broken, missing, or by the forwarding server, storing nothing', async () => {
    const tampered = await state.remote.ldSign(signable());
    tampered.object.content = '<p>forged</p>';
    const unsigned = signable();
    const bySomeoneElse = await relay.ldSign(signable());
    const otherKey = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
    const byAnotherKey = await state.remote.ldSign(signable(), otherKey.privateKey);
    for (const [label, activity] of [
      ['a changed object', tampered],
      ['no signature', unsigned],
      ['signed by the forwarding server', bySomeoneElse],
      ['signed by a key bob does not have', byAnotherKey],
    ] as const) {
      for (const inbox of ['/inbox', '/users/alice/inbox']) {
        const response = await post(activity, { remote: relay, inbox });
        assert.equal(response.status, 401, `${label} at ${inbox}: ${response.status} ${response.text}`);
      }
    }
    await nothingStored(tampered, unsigned, bySomeoneElse, byAnotherKey);
  });

  it('accepts bob’s Create with his Object Integrity Proof (FEP-8b32, Ed25519) from another server, and refuses it once changed', async () => {
    const activity = await state.remote.proofSign(signable('with a proof'));
    assert.equal(activity.proof?.cryptosuite, 'eddsa-jcs-2022');
    const response = await post(activity, { remote: relay });
    assert.equal(response.status, 202, response.text);
    const shown = await arrived(activity.object.id);
    assert.equal(shown.account.acct, state.remote.handle);
    const tampered = await state.remote.proofSign(signable('to be changed'));
    tampered.object.content = '<p>forged</p>';
    assert.equal((await post(tampered, { remote: relay })).status, 401);
    await nothingStored(tampered);
  });

  it('refuses (401) a forwarded Create whose HTTP signature does not verify, though its Linked Data signature or proof does, as Mastodon does', async () => {
    const never = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
    const ldSigned = await state.remote.ldSign(signable('LD-signed, forwarded under a wrong key'));
    const proved = await state.remote.proofSign(signable('proved, forwarded under a wrong key'));
    const stale = await state.remote.ldSign(signable('forwarded under a signature two hours old'));
    for (const [label, activity, options] of [
      ['an LD-signed Create, HTTP-signed with a key the forwarder does not have', ldSigned, { privateKey: never.privateKey }],
      ['a Create with a proof, HTTP-signed with a key the forwarder does not have', proved, { privateKey: never.privateKey }],
      ['an LD-signed Create, HTTP-signed two hours ago', stale, { time: new Date(Date.now() - 2 * 3600_000) }],
    ] as const) {
      for (const inbox of ['/inbox', '/users/alice/inbox']) {
        const response = await post(activity, { remote: relay, inbox, ...options });
        assert.equal(response.status, 401, `${label} at ${inbox}: ${response.status} ${response.text}`);
        assert.match(JSON.parse(response.text).error, new RegExp(`^Verification failed for ${relay.keyId}`));
      }
    }
    await nothingStored(ldSigned, proved, stale);
  });

  it('refuses (401) a forwarded Create whose signature key is spelt with a JSON escape, under an HTTP signature that does not verify', async () => {
    const never = await generateCryptoKeyPair('RSASSA-PKCS1-v1_5');
    const ldSigned = await state.remote.ldSign(signable('its key spelt with an escape'));
    for (const inbox of ['/inbox', '/users/alice/inbox']) {
      const request = await relay.sign(`${BASE}${inbox}`, ldSigned, { privateKey: never.privateKey });
      const body = request.body.replace('"signature":', '"\\u0073ignature":');
      assert.notEqual(body, request.body);
      const response = await relay.send(state.instance.url, { ...request, body, headers: { ...request.headers, digest: `SHA-256=${createHashBase64(body)}` } });
      assert.equal(response.status, 401, `${inbox}: ${response.status} ${response.text}`);
    }
    await nothingStored(ldSigned);
  });

  it('refuses (401) a Create with a Linked Data signature or an integrity proof but no HTTP signature, as Mastodon does, storing nothing', async () => {
    const ldSigned = await state.remote.ldSign(signable('LD only'));
    const proved = await state.remote.proofSign(signable('proof only'));
    for (const activity of [ldSigned, proved]) {
      for (const inbox of ['/inbox', '/users/alice/inbox']) {
        const response = await fetch(new URL(inbox, state.instance.url), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: JSON.stringify(activity) });
        const text = await response.text();
        assert.equal(response.status, 401, `${inbox}: ${text}`);
        assert.deepEqual(JSON.parse(text), { error: 'Request not signed' });
      }
    }
    await nothingStored(ldSigned, proved);
  });
});

describe('what an inbound signature must cover (Mastodon’s verify_signature_strength!)', () => {
  const rfc9421 = (input: string) => ({ 'signature-input': input, signature: 'sig1=:AAAA:' });
  it('takes what Mastodon, Fedify and GoToSocial send', () => {
    assert.equal(
      weakSignatureReason('POST', { signature: 'keyId="https://a.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="AAAA"' }),
      undefined,
    );
    assert.equal(weakSignatureReason('POST', { signature: 'keyId="k",algorithm="hs2019",headers="(request-target) (created) host digest",created=1,signature="AAAA"' }), undefined);
    assert.equal(weakSignatureReason('POST', rfc9421('sig1=("@method" "@target-uri" "@authority" "content-digest");alg="rsa-v1_5-sha256";keyid="https://a.example/k";created=1795337589')), undefined);
    assert.equal(weakSignatureReason('GET', rfc9421('sig1=("@method" "@target-uri");keyid="k";created=1')), undefined);
    assert.equal(weakSignatureReason('POST', {}), undefined, 'unsigned: Fedify answers');
  });
  it('refuses signatures that leave the body, the method or the target out, or have no time', () => {
    assert.match(weakSignatureReason('POST', rfc9421('sig1=("@method" "@target-uri" "@authority");keyid="k";created=1'))!, /Content-Digest/);
    assert.match(weakSignatureReason('POST', rfc9421('sig1=("@authority" "content-digest");keyid="k";created=1'))!, /@method/);
    assert.match(weakSignatureReason('POST', rfc9421('sig1=("@method" "@target-uri" "content-digest");keyid="k"'))!, /created/);
    assert.match(weakSignatureReason('POST', rfc9421('sig1=("@method" "@target-uri" "content-digest");keyid="k";created=1, sig2=("@method");keyid="k";created=1'))!, /sig2/);
    assert.match(weakSignatureReason('POST', rfc9421('garbage'))!, /parsed/);
    assert.match(weakSignatureReason('POST', { signature: 'keyId="k",headers="(request-target) host date",signature="AAAA"' })!, /digest/);
    assert.match(weakSignatureReason('POST', { signature: 'keyId="k",headers="digest host",signature="AAAA"' })!, /date/);
    assert.match(weakSignatureReason('POST', { signature: 'keyId="k",signature="AAAA"' })!, /request-target|digest/);
  });
});
