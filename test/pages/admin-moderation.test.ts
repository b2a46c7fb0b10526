import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts } from '../../src/db/schema.ts';
import { type Browser, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { signedUpUser, signUp, signUpAppToken } from '../helpers/sign-up.ts';
import { submitStaffForm } from '../helpers/staff-pages.ts';

const ADMIN_SCOPES = 'read write admin:read admin:write';

describe('staff web interface: reports and accounts', () => {
  let instance: TestInstance;
  let moderator: TestUser;
  let admin: TestUser;
  let staff: Browser;
  before(async () => {
    instance = await startInstance({ registrations: 'approved' });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: ADMIN_SCOPES });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: ADMIN_SCOPES });
    staff = await signedInBrowser(instance.url, moderator);
  });
  after(() => instance.close());

  const api = (method: string, path: string, token: string, json?: Record<string, unknown>) => instance.request(method, path, { token, json });
  const fileReport = async (reporter: TestUser, target: TestUser, json: Record<string, unknown> = {}) => {
    const filed = await api('POST', '/api/v1/reports', reporter.token, { account_id: target.accountId, comment: 'Please look at this', ...json });
    assert.equal(filed.status, 200, filed.text);
    return filed.body.id as string;
  };
  const adminReport = async (id: string) => (await api('GET', `/api/v1/admin/reports/${id}`, admin.token)).body;
  const adminAccount = async (id: string) => (await api('GET', `/api/v1/admin/accounts/${id}`, admin.token)).body;

  it('counts open reports and pending sign-ups on the dashboard', async () => {
    const reporter = await instance.createUser('counter1');
    const target = await instance.createUser('counted1');
    await fileReport(reporter, target);
    const dashboard = await staff.get('/admin/dashboard');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.html, /Open reports<\/a><\/dt><dd>1<\/dd>/);
    assert.match(dashboard.html, /Pending sign-ups<\/a><\/dt><dd>0<\/dd>/);
    assert.match(dashboard.html, /New sign-ups this week<\/dt><dd>\d+<\/dd>/);
  });

  it('lists a report, shows its statuses, accounts and comment, and assigns, resolves and reopens it', async () => {
    const reporter = await instance.createUser('reporter2');
    const target = await instance.createUser('target2');
    const posted = await api('POST', '/api/v1/statuses', target.token, { status: 'The offending words' });
    const id = await fileReport(reporter, target, { status_ids: [posted.body.id], comment: 'This is spam' });

    const list = await staff.get('/admin/reports');
    assert.match(list.html, new RegExp(`href="/admin/reports/${id}">#${id}`));
    const page = await staff.get(`/admin/reports/${id}`);
    assert.equal(page.status, 200);
    for (const expected of [/The offending words/, /This is spam/, /@target2/, /@reporter2/]) assert.match(page.html, expected);

    const base = `/admin/reports/${id}`;
    assert.equal((await submitStaffForm(staff, base, `${base}/assign_to_self`)).location, base);
    assert.equal((await adminReport(id)).assigned_account.id, moderator.accountId);
    await submitStaffForm(staff, base, `${base}/unassign`);
    assert.equal((await adminReport(id)).assigned_account, null);
    await submitStaffForm(staff, base, `${base}/resolve`);
    assert.equal((await adminReport(id)).action_taken, true);
    assert.match((await staff.get('/admin/reports?resolved=1')).html, new RegExp(`#${id}`));
    await submitStaffForm(staff, base, `${base}/reopen`);
    assert.equal((await adminReport(id)).action_taken, false);
  });

  it('takes action on the reported account from the report, which resolves it and leaves a strike with the warning', async () => {
    const reporter = await instance.createUser('reporter3');
    const target = await instance.createUser('target3');
    const id = await fileReport(reporter, target);
    const base = `/admin/reports/${id}`;
    const acted = await submitStaffForm(staff, base, `${base}/action`, { type: 'silence', text: 'Please calm down' });
    assert.equal(acted.status, 303, acted.html);
    const report = await adminReport(id);
    assert.equal(report.action_taken, true);
    assert.equal(report.action_taken_by_account.id, moderator.accountId);
    assert.equal((await adminAccount(target.accountId)).silenced, true);
    const strikes = await api('GET', `/api/v1/admin/accounts/${target.accountId}/strikes`, admin.token);
    assert.equal(strikes.status, 200, strikes.text);
    assert.equal(strikes.body[0].text, 'Please calm down');
    assert.match((await staff.get(`/admin/accounts/${target.accountId}`)).html, /Please calm down/);

    const second = await fileReport(reporter, target);
    const unknown = await submitStaffForm(staff, `/admin/reports/${second}`, `/admin/reports/${second}/action`, { type: 'obliterate' });
    assert.equal(unknown.status, 422);
    assert.match(unknown.html, /Type is not included in the list/);
  });

  it('filters the accounts list by origin, state and username', async () => {
    await instance.createUser('findable');
    const [remote] = await instance.ctx.db
      .insert(accounts)
      .values({ username: 'faraway', domain: 'remote.example', uri: 'https://remote.example/users/faraway', url: 'https://remote.example/@faraway' })
      .returning();
    const names = (html: string) => [...html.matchAll(/href="\/admin\/accounts\/\d+">@([^<]+)</g)].map((match) => match[1]);
    assert.deepEqual(names((await staff.get('/admin/accounts?username=findab')).html), ['findable']);
    assert.deepEqual(names((await staff.get('/admin/accounts?origin=remote')).html), ['faraway@remote.example']);
    assert.ok(!names((await staff.get('/admin/accounts')).html).includes('faraway@remote.example'), 'local by default');
    await instance.ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, remote!.id));
    assert.deepEqual(names((await staff.get('/admin/accounts?origin=remote&status=suspended')).html), ['faraway@remote.example']);
    assert.equal((await staff.get('/admin/accounts?status=nonsense')).status, 400);
  });

  it('shows an account with its IPs, and suspends, limits, freezes and marks it sensitive, then undoes each', async () => {
    const target = await instance.createUser('acted4');
    const page = `/admin/accounts/${target.accountId}`;
    const shown = await staff.get(page);
    assert.match(shown.html, /acted4@example\.com|IP addresses/);
    for (const [type, flag, undo] of [
      ['sensitive', 'sensitized', 'unsensitive'],
      ['disable', 'disabled', 'enable'],
      ['silence', 'silenced', 'unsilence'],
      ['suspend', 'suspended', 'unsuspend'],
    ] as const) {
      const done = await submitStaffForm(staff, page, `${page}/action`, { type });
      assert.equal(done.status, 303, `${type}: ${done.html}`);
      assert.equal((await adminAccount(target.accountId))[flag], true, type);
      const undone = await submitStaffForm(staff, page, `${page}/${undo}`);
      assert.equal(undone.status, 303, `${undo}: ${undone.html}`);
      assert.equal((await adminAccount(target.accountId))[flag], false, undo);
    }
    const log = await api('GET', `/api/v1/admin/action_logs?target_type=Account&target_id=${target.accountId}`, admin.token);
    assert.equal(log.body.length, 8);
    assert.ok(log.body.every((entry: { account: { id: string } }) => entry.account.id === moderator.accountId));
  });

  it('approves and rejects pending sign-ups; a Moderator may not act against an Admin', async () => {
    const appToken = await signUpAppToken(instance);
    for (const name of ['hopeful', 'hopeless']) assert.equal((await signUp(instance, appToken, name, { reason: 'let me in' })).status, 200);
    const hopeful = await signedUpUser(instance, 'hopeful@example.com');
    const hopeless = await signedUpUser(instance, 'hopeless@example.com');
    const pending = await staff.get('/admin/accounts?status=pending');
    assert.match(pending.html, /@hopeful/);
    assert.match(pending.html, /@hopeless/);
    assert.match((await staff.get(`/admin/accounts/${hopeful!.accountId}`)).html, /let me in/);

    await submitStaffForm(staff, `/admin/accounts/${hopeful!.accountId}`, `/admin/accounts/${hopeful!.accountId}/approve`);
    assert.equal((await adminAccount(hopeful!.accountId)).approved, true);
    const rejected = await submitStaffForm(staff, `/admin/accounts/${hopeless!.accountId}`, `/admin/accounts/${hopeless!.accountId}/reject`);
    assert.equal(rejected.location, '/admin/accounts?status=pending');
    assert.equal((await api('GET', `/api/v1/admin/accounts/${hopeless!.accountId}`, admin.token)).status, 404);

    const refused = await submitStaffForm(staff, `/admin/accounts/${admin.accountId}`, `/admin/accounts/${admin.accountId}/action`, { type: 'suspend' });
    assert.equal(refused.status, 403);
    assert.equal((await adminAccount(admin.accountId)).suspended, false);
    assert.equal((await staff.get('/admin/accounts/99999999')).status, 404);
  });
});
