import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { canonicalEmailBlocksMatching, createCanonicalEmailBlock } from '../../src/services/moderation/canonical-email-blocks.ts';
import { matchEmailDomainBlock } from '../../src/services/moderation/email-domain-blocks.ts';
import { isAccessBlocked, signUpIpSeverity } from '../../src/services/moderation/ip-blocks.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

/** `subspace email_domain_blocks`, `ip_blocks` and `canonical_email_blocks`, as tootctl's. */
describe('subspace email_domain_blocks, ip_blocks, canonical_email_blocks', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance({ roles: { web: true } });
  });
  after(() => instance.close());

  const run = (...argv: string[]) => runAdminCommand(instance.ctx, argv);

  it('answers --help for each sub-command', async () => {
    for (const argv of [
      ['email_domain_blocks', 'list'],
      ['email_domain_blocks', 'add'],
      ['email_domain_blocks', 'remove'],
      ['ip_blocks', 'add'],
      ['ip_blocks', 'remove'],
      ['ip_blocks', 'export'],
      ['canonical_email_blocks', 'find'],
      ['canonical_email_blocks', 'remove'],
    ]) {
      const help = await run(...argv, '--help');
      assert.equal(help.exitCode, 0);
      assert.match(help.stdout, new RegExp(`^Usage:\\n  subspace ${argv.join(' ')}`));
    }
  });

  it('email_domain_blocks adds, lists and removes blocks that sign-ups meet', async () => {
    const added = await run('email_domain_blocks', 'add', 'Spam.Example', 'slow.example', '--with-approval');
    assert.equal(added.exitCode, 0, added.stderr);
    assert.equal(added.stdout, 'Added 2 e-mail domain blocks, skipped 0\n');
    assert.equal((await matchEmailDomainBlock(instance.ctx, ['mail.spam.example'], null))?.domain, 'spam.example');
    const again = await run('email_domain_blocks', 'add', 'spam.example', 'not a domain');
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /spam\.example: Validation failed: Domain has already been taken/);
    assert.equal((await run('email_domain_blocks', 'list')).stdout, 'slow.example  (sign-ups wait for approval)\nspam.example  (sign-ups wait for approval)\n');
    assert.equal((await run('email_domain_blocks', 'remove', 'spam.example', 'never.example')).stdout, 'Removed 1 e-mail domain block, skipped 1\n');
    assert.equal(await matchEmailDomainBlock(instance.ctx, ['spam.example'], null), undefined);
    assert.equal((await run('email_domain_blocks', 'add')).exitCode, 2);
  });

  it('ip_blocks adds (and with --force replaces), exports and removes ranges', async () => {
    const added = await run('ip_blocks', 'add', '203.0.113.0/24', '198.51.100.7', '--severity', 'no_access', '--comment', 'abuse');
    assert.equal(added.stdout, 'Added 2 IP blocks, skipped 0\n', added.stderr);
    assert.equal(await isAccessBlocked(instance.ctx, '203.0.113.9'), true);
    const duplicate = await run('ip_blocks', 'add', '203.0.113.5/24', '--severity', 'sign_up_block');
    assert.equal(duplicate.exitCode, 1);
    assert.match(duplicate.stderr, /already blocked/);
    assert.equal((await run('ip_blocks', 'add', '203.0.113.5/24', '--severity', 'sign_up_block', '--force')).exitCode, 0);
    assert.equal(await isAccessBlocked(instance.ctx, '203.0.113.9'), false);
    assert.equal(await signUpIpSeverity(instance.ctx, '203.0.113.9'), 'sign_up_block');
    assert.equal((await run('ip_blocks', 'export')).stdout, '203.0.113.0/24\n198.51.100.7\n');
    assert.equal((await run('ip_blocks', 'export', '--format', 'nginx')).stdout, 'deny 198.51.100.7;\n');
    assert.equal((await run('ip_blocks', 'remove', '198.51.100.7', '192.0.2.1')).stdout, 'Removed 1 IP block, skipped 1\n');
    assert.equal(await isAccessBlocked(instance.ctx, '198.51.100.7'), false);
    assert.equal((await run('ip_blocks', 'add', '192.0.2.1', '--severity', 'nuke')).exitCode, 2);
    assert.equal((await run('ip_blocks', 'add', 'nonsense', '--severity', 'no_access')).exitCode, 1);
  });

  it('canonical_email_blocks finds and removes the block of an address however it is written', async () => {
    await createCanonicalEmailBlock(instance.ctx, { email: 'troll@example.com' });
    const found = await run('canonical_email_blocks', 'find', 'T.roll+again@example.com');
    assert.match(found.stdout, /^T\.roll\+again@example\.com is blocked \(ID: \d+, hash [0-9a-f]{64}\)\n$/);
    assert.equal((await run('canonical_email_blocks', 'remove', 'troll@example.com')).exitCode, 0);
    assert.deepEqual(await canonicalEmailBlocksMatching(instance.ctx, 'troll@example.com'), []);
    assert.equal((await run('canonical_email_blocks', 'find', 'troll@example.com')).stdout, 'troll@example.com is not blocked\n');
    assert.equal((await run('canonical_email_blocks', 'remove', 'troll@example.com')).exitCode, 1);
  });
});
