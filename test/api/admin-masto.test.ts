import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createRestAPIClient } from 'masto';
import { users } from '../../src/db/schema.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('Mastodon’s own admin clients (masto’s admin namespace)', () => {
  let instance: TestInstance;
  let moderator: TestUser;
  let member: TestUser;
  before(async () => {
    instance = await startInstance();
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: 'read write admin:read admin:write' });
    member = await instance.createUser('member');
  });
  after(() => instance.close());

  it('lists, shows and acts on accounts', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: moderator.token });
    const pending = await instance.createUser('pending');
    await instance.ctx.db.update(users).set({ approved: false }).where(eq(users.id, pending.userId));

    const listed = await client.v1.admin.accounts.list({ pending: true });
    assert.deepEqual(
      listed.map((account) => account.username),
      ['pending'],
    );

    const approved = await client.v1.admin.accounts.$select(pending.accountId).approve();
    assert.equal(approved.approved, true);

    await client.v1.admin.accounts.$select(member.accountId).action.create({ type: 'silence', text: 'Calm down' });
    const shown = await client.v1.admin.accounts.$select(member.accountId).fetch();
    assert.equal(shown.silenced, true);
    assert.equal(shown.account.id, member.accountId);
    assert.equal((await client.v1.admin.accounts.$select(member.accountId).unsilence()).silenced, false);

    await client.v1.admin.accounts.$select(member.accountId).action.create({ type: 'sensitive' });
    assert.equal((await client.v1.admin.accounts.$select(member.accountId).unsensitive()).sensitized, false);
    await client.v1.admin.accounts.$select(member.accountId).action.create({ type: 'disable' });
    assert.equal((await client.v1.admin.accounts.$select(member.accountId).enable()).disabled, false);
    await client.v1.admin.accounts.$select(member.accountId).action.create({ type: 'suspend' });
    assert.equal((await client.v1.admin.accounts.$select(member.accountId).unsuspend()).suspended, false);
  });

  it('lists, shows and handles reports', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: moderator.token });
    const reporterClient = createRestAPIClient({ url: instance.url, accessToken: member.token });
    const filed = await reporterClient.v1.reports.create({ accountId: moderator.accountId, comment: 'hmm' });

    const open = await client.v1.admin.reports.list();
    assert.ok(open.some((report) => report.id === filed.id));
    const report = client.v1.admin.reports.$select(filed.id);
    assert.equal((await report.fetch()).comment, 'hmm');
    assert.equal((await report.assignToSelf()).assignedAccount?.id, moderator.accountId);
    assert.equal((await report.unassign()).assignedAccount, null);
    assert.equal((await report.resolve()).actionTaken, true);
    assert.equal((await report.reopen()).actionTaken, false);
  });

  it('manages federation and sign-up blocks (an Admin), which a Moderator may not', async () => {
    const admin = await instance.createUser('admin', { role: 'Admin', scopes: 'read write admin:read admin:write' });
    const client = createRestAPIClient({ url: instance.url, accessToken: admin.token });
    const forModerator = createRestAPIClient({ url: instance.url, accessToken: moderator.token });
    const refused = (error: { statusCode?: number }) => error.statusCode === 403;

    const block = await client.v1.admin.domainBlocks.create({ domain: 'bad.example', severity: 'silence', publicComment: 'spam' });
    assert.equal(block.domain, 'bad.example');
    assert.equal((await client.v1.admin.domainBlocks.$select(block.id).update({ severity: 'suspend' })).severity, 'suspend');
    assert.deepEqual(
      (await client.v1.admin.domainBlocks.list()).map((listed) => listed.domain),
      ['bad.example'],
    );
    await assert.rejects(async () => await forModerator.v1.admin.domainBlocks.list(), refused);
    await client.v1.admin.domainBlocks.$select(block.id).remove();

    const allow = await client.v1.admin.domainAllows.create({ domain: 'good.example' });
    assert.equal((await client.v1.admin.domainAllows.$select(allow.id).fetch()).domain, 'good.example');
    await assert.rejects(async () => await forModerator.v1.admin.domainAllows.create({ domain: 'other.example' }), refused);
    await client.v1.admin.domainAllows.$select(allow.id).remove();

    const emailBlock = await client.v1.admin.emailDomainBlocks.create({ domain: 'spam.example' });
    assert.equal((await client.v1.admin.emailDomainBlocks.$select(emailBlock.id).fetch()).domain, 'spam.example');
    await client.v1.admin.emailDomainBlocks.$select(emailBlock.id).remove();

    const canonical = await client.v1.admin.canonicalEmailBlocks.create({ email: 'J.Doe+x@example.com' });
    const matched = await client.v1.admin.canonicalEmailBlocks.test({ email: 'jdoe@example.com' });
    assert.deepEqual(
      matched.map((row) => row.id),
      [canonical.id],
    );
    await client.v1.admin.canonicalEmailBlocks.$select(canonical.id).remove();

    const ipBlock = await client.v1.admin.ipBlocks.create({ ip: '198.51.100.0/24', severity: 'sign_up_requires_approval', comment: 'busy range' });
    assert.equal((await client.v1.admin.ipBlocks.$select(ipBlock.id).update({ severity: 'no_access' })).severity, 'no_access');
    await assert.rejects(async () => await forModerator.v1.admin.ipBlocks.list(), refused);
    await client.v1.admin.ipBlocks.$select(ipBlock.id).remove();
  });

  it('answers a member’s admin call with 403', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: member.token });
    await assert.rejects(
      async () => await client.v1.admin.accounts.list(),
      (error: { statusCode?: number }) => error.statusCode === 403,
    );
  });
});
