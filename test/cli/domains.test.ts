import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { domainBlockFor, federatesWith } from '../../src/services/moderation/instance-domain-blocks.ts';
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
});
