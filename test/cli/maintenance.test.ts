import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { accounts, follows, statuses } from '../../src/db/schema.ts';
import { fabricateFollow, fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

/** `subspace maintenance fix-duplicates` (tootctl maintenance fix-duplicates). */
describe('subspace maintenance fix-duplicates', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance({ roles: { web: true } });
  });
  after(() => instance.close());

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, ['maintenance', ...argv]);

  it('merges remote accounts stored twice under one URI into the one fetched last', async () => {
    assert.match((await run('fix-duplicates', '--help')).stdout, /^Usage:\n {2}subspace maintenance fix-duplicates/);
    assert.equal((await run('fix-everything')).exitCode, 2);
    const alice = await instance.createUser('alice');
    const bob = await instance.createUser('bob');
    const uri = 'https://remote.example/users/renamed';
    const old = await fabricateRemoteAccount(instance.ctx, { username: 'oldname', uri, fetchedAt: new Date(Date.now() - 86_400_000) });
    const current = await fabricateRemoteAccount(instance.ctx, { username: 'newname', uri, fetchedAt: new Date() });
    await fabricateFollow(instance.ctx, alice.accountId, old.id);
    await fabricateFollow(instance.ctx, bob.accountId, old.id);
    await fabricateFollow(instance.ctx, bob.accountId, current.id);
    const status = await fabricateStatus(instance.ctx, old.id, { local: false, uri: 'https://remote.example/statuses/1' });

    const dry = await run('fix-duplicates', '--dry-run');
    assert.equal(dry.stdout, `${uri}: kept ${current.id}, merged ${old.id}\nOK, merged 1 duplicate account (DRY RUN)\n`);
    const fixed = await run('fix-duplicates');
    assert.equal(fixed.exitCode, 0, fixed.stderr);
    assert.equal(
      (
        await instance.ctx.db
          .select()
          .from(accounts)
          .where(inArray(accounts.id, [old.id, current.id]))
      ).length,
      1,
    );
    const followers = await instance.ctx.db.select({ id: follows.accountId }).from(follows).where(eq(follows.targetAccountId, current.id));
    assert.deepEqual(followers.map((row) => row.id).sort(), [alice.accountId, bob.accountId].sort());
    assert.equal((await instance.ctx.db.select({ accountId: statuses.accountId }).from(statuses).where(eq(statuses.id, status.id)))[0]!.accountId, current.id);
    assert.equal((await run('fix-duplicates')).stdout, 'OK, merged 0 duplicate accounts\n');
  });
});
