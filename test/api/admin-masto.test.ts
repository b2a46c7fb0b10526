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

  it('answers a member’s admin call with 403', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: member.token });
    await assert.rejects(
      async () => await client.v1.admin.accounts.list(),
      (error: { statusCode?: number }) => error.statusCode === 403,
    );
  });
});
