import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config/index.ts';
import { follows, statuses } from '../../src/db/schema.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { boot, type Instance } from '../../src/roles/boot.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { serverMode, startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { AS, BASE, PUBLIC } from '../helpers/constants.ts';
import { remoteCreate, remoteNote } from '../helpers/remote-statuses.ts';

let serial = 0;
function create(remote: FakeRemote) {
  const id = `${remote.actorId}/statuses/caches-${++serial}`;
  return remoteCreate(remote, remoteNote(remote, id, { content: `<p>note ${serial}</p>`, url: id }));
}

/**
 * What each process keeps of a remote server (its actor's key, the domain policy) is forgotten as soon
 * as it changes. In server mode the inbox POSTs go to a second web process on the same database and
 * Redis, which must hear of a change made through the first.
 */
describe('what is kept per process of remote servers', () => {
  let instance: TestInstance;
  let receiver: Instance | undefined;
  let remote: FakeRemote;
  let alice: TestUser;
  let admin: TestUser;
  const inboxUrl = () => receiver?.url ?? instance.url;
  const post = (activity: unknown) => remote.postSigned(inboxUrl(), `${BASE}/inbox`, activity);
  const stored = (uri: string) => until(async () => (await instance.ctx.db.select().from(statuses).where(eq(statuses.uri, uri)))[0], `${uri} to be stored`);

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    if (serverMode) receiver = await boot(loadConfig({ SUBSPACE_PGLITE_THREAD: 'main', ...instance.env }), { web: true }, { log: createLogger(instance.env.LOG_LEVEL!) });
    alice = await instance.createUser('alice');
    admin = await instance.createUser('admin', { role: 'Owner', scopes: 'read write admin:read admin:write' });
    const found = await instance.request('GET', `/api/v2/search?q=@${remote.handle}&resolve=true&type=accounts`, { token: alice.token });
    assert.equal(found.body?.accounts?.length, 1, found.text);
    await instance.ctx.db.insert(follows).values({ accountId: alice.accountId, targetAccountId: found.body.accounts[0].id });
  });
  after(async () => {
    await receiver?.close();
    await instance.close();
    await remote.close();
  });

  it("accepts a rotated key at once after the actor's Update", async () => {
    const first = create(remote);
    assert.equal((await post(first)).status, 202);
    await stored(first.object.id);
    await remote.rotateKey();
    const update = { '@context': AS, id: `${remote.actorId}#updates/${++serial}`, type: 'Update', actor: remote.actorId, to: [PUBLIC], object: await remote.actor() };
    assert.equal((await post(update)).status, 202);
    const next = create(remote);
    const response = await post(next);
    assert.equal(response.status, 202, response.text);
    await stored(next.object.id);
  });

  it('refuses a domain at once once an admin suspends it', async () => {
    const allowed = create(remote);
    assert.equal((await post(allowed)).status, 202);
    await stored(allowed.object.id);
    const blocked = await instance.request('POST', '/api/v1/admin/domain_blocks', { token: admin.token, json: { domain: '127.0.0.1', severity: 'suspend' } });
    assert.equal(blocked.status, 200, blocked.text);
    const refused = await post(create(remote));
    assert.equal(refused.status, 403, refused.text);
    const lifted = await instance.request('DELETE', `/api/v1/admin/domain_blocks/${blocked.body.id}`, { token: admin.token });
    assert.equal(lifted.status, 200, lifted.text);
    const again = create(remote);
    assert.equal((await post(again)).status, 202);
  });
});
