import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { and, eq, isNotNull } from 'drizzle-orm';
import { statuses } from '../../src/db/schema.ts';
import { outboundLimits } from '../../src/lib/outbound-fetch.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { fabricateFollow, resolveRemoteAccount } from '../helpers/fabricators.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

const MB = 1024 * 1024;

/** A listener on a loopback address the instance may not reach: it records every request it gets (there must be none). */
interface Trap {
  origin: string;
  hits: string[];
  close(): Promise<void>;
}

async function startTrap(address: string, hostname = address): Promise<Trap> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/activity+json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let serial = 0;
const next = () => `${Date.now()}${++serial}`;

/** A public Create of a Note by `actor`, its ids under `origin`. */
function create(actor: string, origin = new URL(actor).origin, extra: Record<string, unknown> = {}): any {
  const id = `${origin}/statuses/${next()}`;
  const audience = { to: [PUBLIC], cc: [`${actor}/followers`] };
  const published = new Date().toISOString();
  return {
    '@context': AS,
    id: `${id}/activity`,
    type: 'Create',
    actor,
    published,
    ...audience,
    object: { id, type: 'Note', attributedTo: actor, content: `<p>hello ${id}</p>`, published, url: id, ...audience, ...extra },
  };
}

describe('hostile inbound activities', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let alice: TestUser;
  let bobId: string;
  let traps: Trap[];
  let [loopback, localhost, ipv6]: Trap[] = [];
  const savedTimeout = outboundLimits.timeoutMs;

  before(async () => {
    // a remote that never answers is given up on after 1.5 s here, not Mastodon's 30 s
    outboundLimits.timeoutMs = 1_500;
    // bob's server is on an address of this file's own, the one private address the instance may reach
    const address = claimLoopbackAddress();
    remote = await startFakeRemote({ address });
    traps = [(loopback = await startTrap('127.0.0.5')), (localhost = await startTrap('127.0.0.1', 'localhost')), (ipv6 = await startTrap('::1'))];
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: address } });
    alice = await instance.createUser('alice');
    bobId = await resolveRemoteAccount(instance, alice, remote.handle);
    await fabricateFollow(instance.ctx, alice.accountId, bobId);
  });
  after(async () => {
    outboundLimits.timeoutMs = savedTimeout;
    await instance.close();
    await remote.close();
    for (const trap of traps) await trap.close();
  });

  const post = (activity: unknown, options: Parameters<FakeRemote['postSigned']>[3] & { inbox?: string } = {}) =>
    remote.postSigned(instance.url, `${BASE}${options.inbox ?? '/inbox'}`, activity, options);
  const statusRows = (uri: string) => instance.ctx.db.select().from(statuses).where(eq(statuses.uri, uri));
  const arrived = (uri: string) => until(async () => (await statusRows(uri))[0], `status ${uri} to be stored`);
  const bobsBoosts = () =>
    instance.ctx.db
      .select()
      .from(statuses)
      .where(and(eq(statuses.accountId, bobId), isNotNull(statuses.reblogOfId)));
  /** every queue that may fetch something (ingress, pull) drained, nothing failed */
  const settled = async () => {
    await until(async () => {
      const counts = await instance.ctx.queue.counts();
      return counts.ingress === 0 && counts.pull === 0;
    }, 'the ingress and pull queues to drain');
    assert.deepEqual(await instance.ctx.queue.deadJobs('ingress'), [], 'no inbound activity failed');
  };
  const nothingStored = async (...uris: string[]) => {
    await settled();
    for (const uri of uris) assert.deepEqual(await statusRows(uri), [], `${uri} was not stored`);
    const home = await instance.request('GET', '/api/v1/timelines/home?limit=40', { token: alice.token });
    const shown = new Set((home.body as { uri: string; reblog?: { uri: string } }[]).flatMap((status) => [status.uri, status.reblog?.uri]));
    for (const uri of uris) assert.ok(!shown.has(uri), `${uri} is not in the home timeline`);
  };
  const trapsUntouched = () => {
    for (const trap of traps) assert.deepEqual(trap.hits, [], `nothing reached ${trap.origin}`);
  };
  /** bob's key as a document of its own at `path` on his server, padded with `padding` bytes */
  const serveKey = async (path: string, padding: number) => {
    const actor = await remote.actor();
    remote.serve(path, { '@context': actor['@context'], ...(actor.publicKey as object), id: `${remote.origin}${path}`, padding: 'x'.repeat(padding) });
    return `${remote.origin}${path}`;
  };

  it('fetches from the allowed private address (bob’s key, a status he boosts)', async () => {
    const own = create(remote.actorId);
    assert.equal((await post(own)).status, 202);
    await arrived(own.object.id);
    const keyId = await serveKey('/keys/small', 1024);
    const signedWithIt = create(remote.actorId);
    assert.equal((await post(signedWithIt, { keyId })).status, 202, 'a key document of its own');
    await arrived(signedWithIt.object.id);
    const boosted = create(remote.actorId).object;
    remote.serve(new URL(boosted.id).pathname, { '@context': AS, ...boosted });
    assert.equal((await post({ '@context': AS, id: `${remote.origin}/boosts/${next()}`, type: 'Announce', actor: remote.actorId, to: [PUBLIC], object: boosted.id })).status, 202);
    await arrived(boosted.id);
    await until(async () => (await bobsBoosts()).length === 1, 'the boost');
  });

  it('refuses (401) a signature whose key is on a private or link-local address, or a name for one, without connecting to it', async () => {
    const keyOwners = [
      `${loopback.origin}/users/mallory`,
      `${localhost.origin}/users/mallory`,
      `${ipv6.origin}/users/mallory`,
      `http://[::ffff:127.0.0.5]:${new URL(loopback.origin).port}/users/mallory`,
      `http://0x7f000005:${new URL(loopback.origin).port}/users/mallory`,
      'http://10.0.0.1/users/mallory',
      'http://169.254.169.254/latest/meta-data',
      // what connects to 127.0.0.1 (the localhost trap) under other spellings
      `http://0.0.0.0:${new URL(localhost.origin).port}/users/mallory`,
      `http://127.1:${new URL(localhost.origin).port}/users/mallory`,
    ];
    const refused = [];
    for (const owner of keyOwners) {
      for (const inbox of ['/inbox', '/users/alice/inbox']) {
        for (const spec of ['draft-cavage', 'rfc9421'] as const) {
          const activity = create(owner);
          const response = await post(activity, { keyId: `${owner}#main-key`, inbox, spec });
          assert.equal(response.status, 401, `key of ${owner} at ${inbox} (${spec}): ${response.status} ${response.text}`);
          refused.push(activity.object.id);
        }
      }
    }
    await nothingStored(...refused);
    trapsUntouched();
  });

  it('fetches no boosted status, parent, mentioned actor or object on a private address', async () => {
    const boostsBefore = (await bobsBoosts()).length;
    const announced = [];
    for (const trap of traps) {
      const object = `${trap.origin}/statuses/${next()}`;
      const response = await post({ '@context': AS, id: `${remote.origin}/boosts/${next()}`, type: 'Announce', actor: remote.actorId, to: [PUBLIC], object });
      assert.equal(response.status, 202, response.text);
      announced.push(object);
    }
    // bob's own reply to a status on a private address, mentioning someone there: stored, nothing fetched
    const reply = create(remote.actorId, remote.origin, {
      inReplyTo: `${loopback.origin}/statuses/parent`,
      tag: [{ type: 'Mention', href: `${localhost.origin}/users/mallory`, name: '@mallory@localhost' }],
    });
    assert.equal((await post(reply)).status, 202);
    const stored = await arrived(reply.object.id);
    assert.equal(stored.inReplyToId, null);
    // a Create naming its object only by a URI there, or embedding an object with an id there (another host than bob's)
    const byUri = { ...create(remote.actorId), object: `${loopback.origin}/statuses/${next()}` };
    const elsewhere = create(remote.actorId, ipv6.origin);
    assert.equal((await post(byUri)).status, 202);
    assert.equal((await post(elsewhere)).status, 202);
    // signed by bob but claiming to be by an actor there
    const impostor = create(`${loopback.origin}/users/mallory`);
    assert.equal((await post(impostor)).status, 401);
    await nothingStored(...announced, byUri.object, elsewhere.object.id, impostor.object.id);
    assert.equal((await bobsBoosts()).length, boostsBefore, 'no boost');
    trapsUntouched();
  });

  it('follows no redirect to a private address, for a key or a status', async () => {
    for (const path of ['/redirect/key', '/redirect/status']) {
      remote.route(path, (_req, res) => res.writeHead(302, { location: `${loopback.origin}/users/mallory` }).end());
    }
    const signed = create(remote.actorId);
    assert.equal((await post(signed, { keyId: `${remote.origin}/redirect/key#main-key` })).status, 401);
    assert.equal((await post(signed, { keyId: `${remote.origin}/redirect/key#main-key`, inbox: '/users/alice/inbox' })).status, 401);
    const object = `${remote.origin}/redirect/status`;
    assert.equal((await post({ '@context': AS, id: `${remote.origin}/boosts/${next()}`, type: 'Announce', actor: remote.actorId, to: [PUBLIC], object })).status, 202);
    await nothingStored(signed.object.id, object);
    assert.ok(remote.received.includes('GET /redirect/key') && remote.received.includes('GET /redirect/status'), 'the allowed server was asked');
    trapsUntouched();
  });

  it('refuses remote documents over 1 MB, declared or streamed: a key, a boosted status', async () => {
    const hugeKey = await serveKey('/keys/huge', 2 * MB);
    // the same key, sent in pieces without a Content-Length
    const actor = await remote.actor();
    const [head, tail] = JSON.stringify({ '@context': actor['@context'], ...(actor.publicKey as object), id: `${remote.origin}/keys/streamed`, padding: '' }).split('"padding":""');
    remote.route('/keys/streamed', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/activity+json' });
      res.write(`${head}"padding":"`);
      for (let i = 0; i < 3; i++) res.write('x'.repeat(MB / 2));
      res.end(`"${tail}`);
    });
    const refused = [];
    for (const keyId of [hugeKey, `${remote.origin}/keys/streamed`]) {
      const activity = create(remote.actorId);
      assert.equal((await post(activity, { keyId })).status, 401, keyId);
      refused.push(activity.object.id);
    }
    const boosted = create(remote.actorId).object;
    remote.serve(new URL(boosted.id).pathname, { '@context': AS, ...boosted, content: `<p>${'x'.repeat(2 * MB)}</p>` });
    assert.equal((await post({ '@context': AS, id: `${remote.origin}/boosts/${next()}`, type: 'Announce', actor: remote.actorId, to: [PUBLIC], object: boosted.id })).status, 202);
    await nothingStored(...refused, boosted.id);
    assert.ok(remote.received.includes(`GET ${new URL(boosted.id).pathname}`), 'the status was asked for');
  });

  it('gives up on a remote that does not answer (its key, a boosted status), and goes on', async () => {
    const slow: string[] = [];
    for (const path of ['/keys/slow', '/statuses/slow']) remote.route(path, (req) => void slow.push(`${req.method} ${path}`));
    const activity = create(remote.actorId);
    assert.equal((await post(activity, { keyId: `${remote.origin}/keys/slow` })).status, 401);
    const object = `${remote.origin}/statuses/slow`;
    assert.equal((await post({ '@context': AS, id: `${remote.origin}/boosts/${next()}`, type: 'Announce', actor: remote.actorId, to: [PUBLIC], object })).status, 202);
    await nothingStored(activity.object.id, object);
    assert.ok(slow.includes('GET /keys/slow') && slow.includes('GET /statuses/slow'), 'both were asked for');
    const after = create(remote.actorId);
    assert.equal((await post(after)).status, 202);
    await arrived(after.object.id);
  });

  it('at a personal inbox too: unsigned, wrongly signed, stale, host-mismatched, oversized, deeply nested or private-address activities are refused, nothing stored', async () => {
    const inbox = '/users/alice/inbox';
    const send = (body: string) => fetch(new URL(inbox, instance.url), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body });
    const unsigned = create(remote.actorId);
    assert.equal((await send(JSON.stringify(unsigned))).status, 401, 'unsigned');
    const wrong = create(remote.actorId);
    const request = await remote.sign(`${BASE}${inbox}`, wrong);
    request.body = request.body.replace('hello', 'forged');
    assert.equal((await remote.send(instance.url, request)).status, 401, 'wrongly signed');
    const stale = create(remote.actorId);
    assert.equal((await post(stale, { inbox, time: new Date(Date.now() - 13 * 3_600_000) })).status, 401, 'stale');
    const mismatch = create(remote.actorId, 'https://elsewhere.example');
    assert.equal((await post(mismatch, { inbox })).status, 202, 'host mismatch: taken, then dropped');
    const oversized = create(remote.actorId);
    oversized.object.content = 'x'.repeat(MB);
    const big = await send(JSON.stringify(oversized));
    assert.equal(big.status, 413, 'oversized');
    const deep = create(remote.actorId);
    let nested: unknown = 'bottom';
    for (let i = 0; i < 100; i++) nested = [nested];
    deep.object.nested = nested;
    assert.equal((await post(deep, { inbox })).status, 400, 'deeply nested');
    const privateKey = create(`${loopback.origin}/users/mallory`);
    assert.equal((await post(privateKey, { inbox, keyId: `${loopback.origin}/users/mallory#main-key` })).status, 401, 'key on a private address');
    const good = create(remote.actorId);
    assert.equal((await post(good, { inbox })).status, 202);
    await arrived(good.object.id);
    await nothingStored(...[unsigned, wrong, stale, mismatch, oversized, deep, privateKey].map((activity) => activity.object.id));
    trapsUntouched();
  });
});
