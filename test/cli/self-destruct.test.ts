import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { accounts } from '../../src/db/schema.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { fabricateRemoteAccount } from '../helpers/fabricators.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';

/** `subspace self-destruct` (tootctl self-destruct): every local actor's Delete to every known server. */
describe('subspace self-destruct', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, ['self-destruct', ...argv]);

  it('refuses without the confirmation of the domain, and answers --help', async () => {
    assert.match((await run('--help')).stdout, /^Usage:\n {2}subspace self-destruct --confirm DOMAIN/);
    assert.equal((await run()).exitCode, 2);
    const wrong = await run('--confirm', 'other.example');
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.stderr, /not this instance's domain \(subspace\.test\)/);
  });

  it("sends each local actor's Delete to every server it knows, even those nobody follows from, and suspends the accounts", async () => {
    const alice = await instance.createUser('alice');
    const carol = await instance.createUser('carol');
    // the remote knows alice (bob follows her); carol has no relation with it, but the instance knows an account there
    const follow = { '@context': AS, id: `${remote.actorId}#follows/1`, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` };
    assert.equal((await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, follow)).status, 202);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    await fabricateRemoteAccount(instance.ctx, { username: 'dave', domain: remote.host, uri: `${remote.origin}/users/dave`, inboxUrl: `${remote.origin}/users/dave/inbox` });

    const dry = await run('--confirm', 'subspace.test', '--dry-run');
    assert.equal(dry.stdout, '2 local accounts would be deleted from the fediverse (DRY RUN)\n');
    const destroyed = await run('--confirm', 'SUBSPACE.test');
    assert.equal(destroyed.exitCode, 0, destroyed.stderr);
    assert.match(destroyed.stdout, /^Queued the Delete of 2 local accounts/);
    for (const username of ['alice', 'carol']) {
      const deletion = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Delete' && entry.body.actor === `${BASE}/users/${username}`), `the Delete of ${username}`);
      assert.equal(deletion.body.object, `${BASE}/users/${username}`);
    }
    for (const id of [alice.accountId, carol.accountId]) {
      const [row] = await instance.ctx.db.select({ suspendedAt: accounts.suspendedAt }).from(accounts).where(eq(accounts.id, id));
      assert.ok(row!.suspendedAt, 'suspended');
    }
    assert.equal((await instance.request('GET', `/api/v1/accounts/${alice.accountId}`)).body.suspended, true);
    assert.match((await run('--confirm', 'subspace.test')).stdout, /^Queued the Delete of 0 local accounts/, 'a second run has nothing left');
  });
});
