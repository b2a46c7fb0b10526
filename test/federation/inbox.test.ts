import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createLocalAccount } from '../../src/services/accounts/create-account.ts';
import { boot } from '../../src/roles/boot.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { prepareTestEnvironment, startInstance, type TestInstance } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';

const INBOXES = ['/users/alice/inbox', '/inbox', '/actor/inbox'];

function follow(remote: FakeRemote, n: number) {
  return {
    '@context': 'https://www.w3.org/ns/activitystreams',
    id: `${remote.origin}/follows/${n}`,
    type: 'Follow',
    actor: remote.actorId,
    object: 'http://subspace.test/users/alice',
  };
}

describe('inboxes refuse what is not signed or too big', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    await instance.createUser('alice');
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  it('answers an unsigned POST with 401 on every inbox, and queues nothing', async () => {
    for (const path of INBOXES) {
      const response = await instance.request('POST', path, { json: follow(remote, 1), headers: { 'content-type': 'application/activity+json' } });
      assert.equal(response.status, 401, `${path}: ${response.text}`);
    }
    assert.equal((await instance.ctx.queue.counts()).ingress, 0);
  });

  it('answers a body over 1 MB with 413', async () => {
    for (const path of INBOXES) {
      const body = JSON.stringify({ ...follow(remote, 2), padding: 'x'.repeat(1024 * 1024) });
      const response = await fetch(new URL(path, instance.url), { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body });
      assert.equal(response.status, 413, path);
      await response.body?.cancel();
    }
  });

  it('answers a signature by an unknown key with 401', async () => {
    const stranger = await startFakeRemote();
    try {
      const activity = { ...follow(stranger, 3), actor: remote.actorId };
      const response = await stranger.postSigned(instance.url, 'http://subspace.test/inbox', activity);
      assert.equal(response.status, 401, response.text);
    } finally {
      await stranger.close();
    }
  });

  it('accepts a signed activity with 202 once it fetched the signer’s key', async () => {
    for (const [n, path] of INBOXES.entries()) {
      const response = await remote.postSigned(instance.url, `http://subspace.test${path}`, follow(remote, 10 + n));
      assert.equal(response.status, 202, `${path}: ${response.text}`);
    }
    assert.ok(remote.received.includes('GET /users/bob'), 'the key was fetched from the remote');
  });
});

describe('private addresses are fetched only when ALLOWED_PRIVATE_ADDRESSES lists them', () => {
  let remote: FakeRemote;
  before(async () => {
    remote = await startFakeRemote();
  });
  after(() => remote.close());

  for (const [label, env] of [
    ['without ALLOWED_PRIVATE_ADDRESSES', {}],
    ['when it lists other ranges only', { ALLOWED_PRIVATE_ADDRESSES: '10.0.0.0/8,::1' }],
  ] as const) {
    it(`refuses to fetch the key from 127.0.0.1 ${label}, so the signature cannot be checked`, async () => {
      const instance = await startInstance({ env });
      try {
        await instance.createUser('alice');
        const before = remote.received.length;
        const response = await remote.postSigned(instance.url, 'http://subspace.test/users/alice/inbox', follow(remote, 20));
        assert.equal(response.status, 401, response.text);
        assert.equal(remote.received.length, before, 'no request reached the private address');
      } finally {
        await instance.close();
      }
    });
  }
});

describe('an activity accepted by a web process is processed by a worker of the ingress queue, after a restart', () => {
  it('queues in ingress without running it, then a worker started later runs it', async () => {
    const remote = await startFakeRemote();
    const environment = await prepareTestEnvironment({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' });
    const config = loadConfig(environment.env);
    const log = createLogger('error');
    try {
      const web = await boot(config, { web: true }, { log, queueBackoff: () => 50 });
      try {
        await createLocalAccount(web.ctx, { username: 'alice', email: 'alice@example.com', password: 'password-of-alice', confirmed: true });
        const response = await remote.postSigned(web.url!, 'http://subspace.test/users/alice/inbox', follow(remote, 30));
        assert.equal(response.status, 202, response.text);
        assert.equal((await web.ctx.queue.counts()).ingress, 1, 'the activity waits in ingress');
      } finally {
        await web.close();
      }

      const worker = await boot(config, { worker: { queues: ['ingress'], concurrency: 1 } }, { log, queueBackoff: () => 50 });
      try {
        await until(async () => (await worker.ctx.queue.counts()).ingress === 0, 'the ingress job to run');
        assert.deepEqual(await worker.ctx.queue.deadJobs('ingress'), [], 'it ran without failing');
      } finally {
        await worker.close();
      }
    } finally {
      await environment.cleanup();
      await remote.close();
    }
  });
});
