import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { inArray } from 'drizzle-orm';
import { accounts, statuses } from '../../src/db/schema.ts';
import { domainBlockFor, federatesWith } from '../../src/services/moderation/instance-domain-blocks.ts';
import { fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('subspace domains', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance({ roles: { web: true } });
  });
  after(() => instance.close());

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, ['domains', ...argv]);

  it('blocks, lists, unblocks, allows and disallows domains', async () => {
    const blocked = await run('block', 'Spam.Example', '--reject-media', '--public-comment', 'spam');
    assert.equal(blocked.exitCode, 0, blocked.stderr);
    assert.match(blocked.stdout, /^OK\nID: \d+\n$/);
    const block = await domainBlockFor(instance.ctx, 'www.spam.example');
    assert.equal(block?.severity, 'suspend');
    assert.equal(block?.rejectMedia, true);
    assert.equal(await federatesWith(instance.ctx, 'spam.example'), false);

    const again = await run('block', 'spam.example', '--severity', 'silence');
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /already imposed stricter limits/);
    const bad = await run('block', 'spam.example', '--severity', 'nuke');
    assert.equal(bad.exitCode, 2);

    assert.equal((await run('allow', 'friends.example')).exitCode, 0);
    const listed = await run('list');
    assert.equal(listed.stdout, 'spam.example  suspend  reject_media\nfriends.example  allowed\n');

    assert.equal((await run('unblock', 'spam.example')).exitCode, 0);
    assert.equal(await federatesWith(instance.ctx, 'spam.example'), true);
    const missing = await run('unblock', 'spam.example');
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /not blocked/);
    assert.equal((await run('disallow', 'friends.example')).exitCode, 0);
    assert.equal((await run('list')).stdout, 'No domain blocks or allows.\n');
    assert.equal((await run('frobnicate')).exitCode, 2);
  });

  it('purge removes every account of the domains with their statuses, and leaves other domains alone', async () => {
    const spammers = [await fabricateRemoteAccount(instance.ctx, { domain: 'spam.example' }), await fabricateRemoteAccount(instance.ctx, { domain: 'Spam.Example' })];
    const status = await fabricateStatus(instance.ctx, spammers[0]!.id, { local: false, uri: 'https://spam.example/statuses/1' });
    const neighbour = await fabricateRemoteAccount(instance.ctx, { domain: 'other.example' });
    const ids = [...spammers.map((account) => account.id), neighbour.id];
    const left = async () => (await instance.ctx.db.select({ id: accounts.id }).from(accounts).where(inArray(accounts.id, ids))).map((row) => row.id).sort();

    const dry = await run('purge', 'spam.example', '--dry-run');
    assert.equal(dry.stdout, 'OK, removed 2 accounts and 0 custom emoji of spam.example (DRY RUN)\n');
    assert.equal((await left()).length, 3);
    const purged = await run('purge', 'spam.example');
    assert.equal(purged.exitCode, 0, purged.stderr);
    assert.deepEqual(await left(), [neighbour.id]);
    assert.equal(
      (
        await instance.ctx.db
          .select()
          .from(statuses)
          .where(inArray(statuses.id, [status.id]))
      ).length,
      0,
    );
    assert.equal((await run('purge', 'spam.example')).stdout, 'OK, removed 0 accounts and 0 custom emoji of spam.example\n');
    assert.equal((await run('purge')).exitCode, 2);
    assert.match((await run('purge', '--help')).stdout, /^Usage:\n {2}subspace domains purge DOMAIN…/);
  });
});
