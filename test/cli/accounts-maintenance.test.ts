import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { accounts, backups } from '../../src/db/schema.ts';
import { AS, BASE } from '../helpers/constants.ts';
import { fabricateFollow, fabricateRemoteAccount, fabricateStatus, resolveRemoteAccount } from '../helpers/fabricators.ts';
import { startFakeRemote, type FakeRemote } from '../helpers/fake-remote.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';

/** tootctl's account maintenance: `subspace accounts rotate|cull|refresh|prune`. */
describe('subspace accounts rotate, cull, refresh, prune', () => {
  let instance: TestInstance;
  let remote: FakeRemote;
  let admin: TestUser;
  let bobId: string;

  before(async () => {
    remote = await startFakeRemote();
    instance = await startInstance({ env: { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' } });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write follow admin:read admin:write' });
    bobId = await resolveRemoteAccount(instance, admin, remote.handle);
  });
  after(async () => {
    await instance.close();
    await remote.close();
  });

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, ['accounts', ...argv]);
  const keysOf = async (id: string) => (await instance.ctx.db.select({ rsa: accounts.publicKeyPem, ed25519: accounts.ed25519PublicKeyPem }).from(accounts).where(eq(accounts.id, id)))[0]!;
  const exists = async (ids: string[]) => (await instance.ctx.db.select({ id: accounts.id }).from(accounts).where(inArray(accounts.id, ids))).map((row) => row.id).sort();

  it('answers --help for each maintenance sub-command', async () => {
    for (const sub of ['rotate', 'cull', 'refresh', 'prune', 'backup']) {
      const help = await run(sub, '--help');
      assert.equal(help.exitCode, 0);
      assert.match(help.stdout, new RegExp(`^Usage:\\n  subspace accounts ${sub}`), help.stdout);
    }
    assert.equal((await run('rotate')).exitCode, 2);
    assert.equal((await run('refresh')).exitCode, 2);
    assert.equal((await run('cull', '--concurrency', '0')).exitCode, 2);
  });

  it('rotate gives new keys, served on the actor, and sends followers an Update carrying them', async () => {
    const alice = await instance.createUser('alice');
    const follow = { '@context': AS, id: `${remote.actorId}#follows/alice`, type: 'Follow', actor: remote.actorId, object: `${BASE}/users/alice` };
    assert.equal((await remote.postSigned(instance.url, `${BASE}/users/alice/inbox`, follow)).status, 202);
    await until(async () => remote.delivered.find((entry) => entry.body.type === 'Accept'), 'the Accept');
    const before = await keysOf(alice.accountId);
    assert.ok(before.rsa, 'alice had keys');

    const rotated = await run('rotate', 'alice');
    assert.equal(rotated.exitCode, 0, rotated.stderr);
    const afterRotation = await keysOf(alice.accountId);
    assert.notEqual(afterRotation.rsa, before.rsa);
    assert.notEqual(afterRotation.ed25519, before.ed25519);
    const actor = JSON.parse((await instance.request('GET', '/users/alice', { headers: { accept: 'application/activity+json' } })).text);
    assert.equal(actor.publicKey.publicKeyPem.trim(), afterRotation.rsa!.trim());
    const update = await until(async () => remote.delivered.find((entry) => entry.body.type === 'Update' && entry.body.actor === `${BASE}/users/alice`), 'the Update');
    assert.equal(update.body.object.publicKey.publicKeyPem.trim(), afterRotation.rsa!.trim());

    const all = await run('rotate', '--all');
    assert.match(all.stdout, /^OK, rotated the keys of 2 accounts\n$/);
    assert.notEqual((await keysOf(alice.accountId)).rsa, afterRotation.rsa);
    assert.equal((await run('rotate', 'nobody')).exitCode, 1);
  });

  it('refresh fetches remote profiles again', async () => {
    await remote.setActor({ name: 'Bob Refreshed' });
    const refreshed = await run('refresh', remote.handle);
    assert.equal(refreshed.exitCode, 0, refreshed.stderr);
    const [row] = await instance.ctx.db.select({ displayName: accounts.displayName }).from(accounts).where(eq(accounts.id, bobId));
    assert.equal(row!.displayName, 'Bob Refreshed');
    await remote.setActor({ name: 'Bob By Domain' });
    const byDomain = await run('refresh', '--domain', remote.host);
    assert.equal(byDomain.exitCode, 0, byDomain.stderr);
    const [again] = await instance.ctx.db.select({ displayName: accounts.displayName }).from(accounts).where(eq(accounts.id, bobId));
    assert.equal(again!.displayName, 'Bob By Domain');
    assert.equal((await run('refresh', 'nobody@nowhere.example')).exitCode, 1);
  });

  it('cull removes the accounts their server says are gone (404, 410), keeps the others, and names servers that did not answer', async () => {
    remote.route('/users/gone410', (_req, res) => res.writeHead(410).end());
    remote.route('/users/gone404', (_req, res) => res.writeHead(404).end());
    const gone410 = await fabricateRemoteAccount(instance.ctx, { username: 'gone410', domain: remote.host, uri: `${remote.origin}/users/gone410` });
    const gone404 = await fabricateRemoteAccount(instance.ctx, { username: 'gone404', domain: remote.host, uri: `${remote.origin}/users/gone404` });
    await fabricateStatus(instance.ctx, gone404.id, { local: false, uri: `${remote.origin}/statuses/1` });
    const silent = await fabricateRemoteAccount(instance.ctx, { username: 'silent', domain: 'unreachable.test', uri: 'http://127.0.0.1:1/users/silent' });

    const dry = await run('cull', '--dry-run');
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /removed 2 accounts \(DRY RUN\)/);
    assert.deepEqual(await exists([gone410.id, gone404.id]), [gone410.id, gone404.id].sort());

    const culled = await run('cull');
    assert.equal(culled.exitCode, 0, culled.stderr);
    assert.match(culled.stdout, /^Visited 4 accounts, removed 2 accounts\n/);
    assert.match(culled.stdout, /No clear answer from these domains \(their accounts were kept\): unreachable\.test/);
    assert.deepEqual(await exists([gone410.id, gone404.id, silent.id, bobId]), [silent.id, bobId].sort());
    const again = await run('cull', remote.host);
    assert.match(again.stdout, /^Visited 1 account, removed 0 accounts\n$/, 'a second run finds nothing more to do');
  });

  it('prune removes the remote accounts nothing here refers to, and keeps bots', async () => {
    const lonely = await fabricateRemoteAccount(instance.ctx);
    const poster = await fabricateRemoteAccount(instance.ctx);
    await fabricateStatus(instance.ctx, poster.id, { local: false, uri: `https://remote.example/statuses/${poster.id}` });
    const followed = await fabricateRemoteAccount(instance.ctx);
    await fabricateFollow(instance.ctx, admin.accountId, followed.id);
    const bot = await fabricateRemoteAccount(instance.ctx, { actorType: 'Service' });
    const kept = [poster.id, followed.id, bot.id];

    const dry = await run('prune', '--dry-run');
    assert.match(dry.stdout, /removed \d+ accounts? \(DRY RUN\)/);
    assert.deepEqual(await exists([lonely.id]), [lonely.id]);
    const pruned = await run('prune');
    assert.equal(pruned.exitCode, 0, pruned.stderr);
    assert.deepEqual(await exists([lonely.id, ...kept]), [...kept].sort());
    assert.equal((await run('prune')).stdout, 'OK, removed 0 accounts\n');
  });

  it('backup: requests a member’s archive, built in the background, as often as the admin asks', async () => {
    assert.equal((await run('backup')).exitCode, 2, 'a USERNAME is needed');
    const unknown = await run('backup', 'nobody_here');
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /no local account named "nobody_here"/);
    for (let i = 0; i < 2; i++) {
      const result = await run('backup', 'admin');
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /^OK, archive \d+ requested; it is mailed to /);
    }
    const userRows = async () => instance.ctx.db.select().from(backups).where(eq(backups.userId, admin.userId));
    assert.ok((await userRows()).length >= 1);
    await until(async () => (await userRows()).some((row) => row.processed && row.dumpFileKey), 'the archive built');
  });
});
