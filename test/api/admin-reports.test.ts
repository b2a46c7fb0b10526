import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { adminActionLogs } from '../../src/db/schema.ts';
import { addRule, removeRule } from '../../src/services/instance/rules.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const ADMIN_SCOPES = 'read write admin:read admin:write';

describe('admin API: reports, and staff notifications', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let moderator: TestUser;
  let member: TestUser;
  let accountsOnly: TestUser;
  let reporter: TestUser;
  let target: TestUser;
  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    admin = await instance.createUser('admin', { role: 'Admin', scopes: ADMIN_SCOPES });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: ADMIN_SCOPES });
    member = await instance.createUser('member', { scopes: ADMIN_SCOPES });
    accountsOnly = await instance.createUser('accountsreader', { role: 'Admin', scopes: 'read admin:read:accounts' });
    reporter = await instance.createUser('reporter');
    target = await instance.createUser('target');
  });
  after(() => instance.close());

  const fileReport = async (json: Record<string, unknown> = {}) => {
    const response = await instance.request('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: target.accountId, comment: 'please look', ...json } });
    assert.equal(response.status, 200, response.text);
    return response.body.id as string;
  };
  const call = (method: string, path: string, json?: Record<string, unknown>, token = moderator.token) => instance.request(method, path, { token, json });

  it('refuses members and tokens without a reports scope', async () => {
    const id = await fileReport();
    for (const [token, error] of [
      [member.token, 'This action is not allowed'],
      [accountsOnly.token, 'This action is outside the authorized scopes'],
    ] as const) {
      for (const [method, path] of [
        ['GET', '/api/v1/admin/reports'],
        ['GET', `/api/v1/admin/reports/${id}`],
        ['POST', `/api/v1/admin/reports/${id}/resolve`],
        ['PUT', `/api/v1/admin/reports/${id}`],
      ]) {
        const response = await call(method!, path!, method === 'GET' ? undefined : {}, token);
        assert.equal(response.status, 403, `${method} ${path}`);
        assert.deepEqual(response.body, { error });
      }
    }
    assert.equal((await call('GET', `/api/v1/admin/reports/${id}`)).body.action_taken, false, 'still open');
  });

  it('shows a report as Mastodon’s Admin::Report', async () => {
    const posted = await instance.request('POST', '/api/v1/statuses', { token: target.token, json: { status: 'reported words' } });
    const id = await fileReport({ status_ids: [posted.body.id], category: 'spam' });
    const response = await call('GET', `/api/v1/admin/reports/${id}`);
    assert.equal(response.status, 200, response.text);
    const body = response.body;
    assert.deepEqual(Object.keys(body).sort(), [
      'account',
      'action_taken',
      'action_taken_at',
      'action_taken_by_account',
      'assigned_account',
      'category',
      'comment',
      'created_at',
      'forwarded',
      'id',
      'rules',
      'statuses',
      'target_account',
      'updated_at',
    ]);
    assert.equal(body.id, id);
    assert.equal(body.category, 'spam');
    assert.equal(body.comment, 'please look');
    assert.equal(body.action_taken, false);
    assert.equal(body.action_taken_at, null);
    assert.equal(body.forwarded, false);
    assert.equal(body.account.id, reporter.accountId);
    assert.equal(body.account.email, reporter.email, 'the reporter as an Admin::Account');
    assert.equal(body.target_account.id, target.accountId);
    assert.equal(body.target_account.account.acct, 'target');
    assert.equal(body.assigned_account, null);
    assert.equal(body.action_taken_by_account, null);
    assert.deepEqual(
      body.statuses.map((status: { id: string }) => status.id),
      [posted.body.id],
    );
    assert.deepEqual(body.rules, []);
    assert.equal((await call('GET', '/api/v1/admin/reports/12345')).status, 404);
  });

  it('assigns, unassigns, resolves, reopens and recategorizes, each in the audit log', async () => {
    const id = await fileReport();
    const assigned = await call('POST', `/api/v1/admin/reports/${id}/assign_to_self`);
    assert.equal(assigned.status, 200, assigned.text);
    assert.equal(assigned.body.assigned_account.id, moderator.accountId);
    assert.equal((await call('POST', `/api/v1/admin/reports/${id}/unassign`)).body.assigned_account, null);

    const resolved = await call('POST', `/api/v1/admin/reports/${id}/resolve`);
    assert.equal(resolved.body.action_taken, true);
    assert.ok(!Number.isNaN(Date.parse(resolved.body.action_taken_at)));
    assert.equal(resolved.body.action_taken_by_account.id, moderator.accountId);
    const reopened = await call('POST', `/api/v1/admin/reports/${id}/reopen`);
    assert.equal(reopened.body.action_taken, false);
    assert.equal(reopened.body.action_taken_by_account, null);

    const updated = await call('PUT', `/api/v1/admin/reports/${id}`, { category: 'legal' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.category, 'legal');
    for (const json of [{ category: 'gossip' }, { category: 'violation', rule_ids: ['1'] }]) {
      const refused = await call('PUT', `/api/v1/admin/reports/${id}`, json);
      assert.equal(refused.status, 422, `${JSON.stringify(json)}: ${refused.text}`);
    }
    assert.equal((await call('GET', `/api/v1/admin/reports/${id}`)).body.category, 'legal', 'unchanged by the refused updates');

    const log = await instance.ctx.db.select().from(adminActionLogs).where(eq(adminActionLogs.targetId, id)).orderBy(adminActionLogs.id);
    assert.deepEqual(
      log.map((row) => row.action),
      ['assigned_to_self', 'unassigned', 'resolve', 'reopen', 'update'],
    );
    assert.ok(log.every((row) => row.targetType === 'Report' && row.accountId === moderator.accountId));
    assert.equal(log[2]!.summary, `resolved report #${id} about @target`);
  });

  it('lists open reports by default, resolved ones on request, filtered by reporter and target', async () => {
    const open = await fileReport();
    const closed = await fileReport();
    await call('POST', `/api/v1/admin/reports/${closed}/resolve`);
    const other = await instance.request('POST', '/api/v1/reports', { token: member.token, json: { account_id: reporter.accountId } });

    const ids = async (query: string) => {
      const response = await call('GET', `/api/v1/admin/reports${query}`);
      assert.equal(response.status, 200, response.text);
      return response.body.map((report: { id: string }) => report.id) as string[];
    };
    const unresolved = await ids('');
    assert.ok(unresolved.includes(open) && !unresolved.includes(closed));
    assert.ok((await ids('?resolved=true')).includes(closed));
    assert.ok(!(await ids('?resolved=true')).includes(open));
    assert.deepEqual(await ids(`?account_id=${member.accountId}`), [other.body.id]);
    assert.deepEqual(await ids(`?target_account_id=${reporter.accountId}`), [other.body.id]);
    assert.deepEqual(await ids('?target_account_id=nope'), []);
    const page = await call('GET', '/api/v1/admin/reports?limit=1');
    assert.equal(page.body.length, 1);
    assert.match(page.headers.get('link') ?? '', /rel="next"/);
  });

  it('tells those who may manage reports about a new report (admin.report)', async () => {
    const id = await fileReport();
    for (const staff of [admin, moderator]) {
      const notifications = await instance.request('GET', '/api/v1/notifications?types[]=admin.report', { token: staff.token });
      const notice = notifications.body.find((notification: { report?: { id: string } }) => notification.report?.id === id);
      assert.ok(notice, `${staff.username}: ${notifications.text}`);
      assert.equal(notice.type, 'admin.report');
      assert.equal(notice.account.id, reporter.accountId);
      assert.equal(notice.report.target_account.id, target.accountId);
    }
    const grouped = await instance.request('GET', '/api/v2/notifications?types[]=admin.report', { token: moderator.token });
    const group = grouped.body.notification_groups.find((entry: { report?: { id: string } }) => entry.report?.id === id);
    assert.ok(group, grouped.text);
    assert.equal(group.type, 'admin.report');
    assert.deepEqual(group.sample_account_ids, [reporter.accountId]);
    const memberNotifications = await instance.request('GET', '/api/v1/notifications', { token: member.token });
    assert.ok(!memberNotifications.body.some((notification: { type: string }) => notification.type === 'admin.report'));
    // a second report by the same member is a second notification
    const second = await fileReport();
    const again = await instance.request('GET', '/api/v1/notifications?types[]=admin.report', { token: moderator.token });
    assert.ok(again.body.some((notification: { report?: { id: string } }) => notification.report?.id === second));
  });

  it('tells those who may manage users about a sign-up (admin.sign_up)', async () => {
    const app = await instance.request('POST', '/api/v1/apps', { form: { client_name: 'Signup', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' } });
    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read write' },
    });
    const signUp = await instance.request('POST', '/api/v1/accounts', {
      token: token.body.access_token,
      json: { username: 'newcomer', email: 'newcomer@example.com', password: 'correct horse battery staple', agreement: true, locale: 'en' },
    });
    assert.equal(signUp.status, 200, signUp.text);
    for (const staff of [admin, moderator]) {
      const notifications = await instance.request('GET', '/api/v1/notifications?types[]=admin.sign_up', { token: staff.token });
      assert.deepEqual(
        notifications.body.map((notification: { account: { username: string } }) => notification.account.username),
        ['newcomer'],
        staff.username,
      );
    }
    const memberNotifications = await instance.request('GET', '/api/v1/notifications', { token: member.token });
    assert.ok(!memberNotifications.body.some((notification: { type: string }) => notification.type === 'admin.sign_up'));
  });

  it('cites the instance rules a report names, and takes only rule ids of the rules table', async () => {
    const noSpam = await addRule(instance.ctx, { text: 'No spam', hint: 'ads included' });
    const beKind = await addRule(instance.ctx, { text: 'Be kind' });
    const id = await fileReport({ category: 'violation', rule_ids: [noSpam.id] });
    const shown = await call('GET', `/api/v1/admin/reports/${id}`);
    assert.deepEqual(shown.body.rules, [{ id: noSpam.id, text: 'No spam', hint: 'ads included' }]);

    const updated = await call('PUT', `/api/v1/admin/reports/${id}`, { category: 'violation', rule_ids: [beKind.id, noSpam.id] });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(
      updated.body.rules.map((rule: { text: string }) => rule.text),
      ['No spam', 'Be kind'],
    );
    const unknown = await call('PUT', `/api/v1/admin/reports/${id}`, { category: 'violation', rule_ids: [beKind.id, '999999999'] });
    assert.equal(unknown.status, 422, unknown.text);

    assert.ok(await removeRule(instance.ctx, noSpam.id));
    const after = await call('GET', `/api/v1/admin/reports/${id}`);
    assert.deepEqual(after.body.rules.map((rule: { id: string }) => rule.id).sort(), [noSpam.id, beKind.id].sort(), 'a removed rule is still cited by the reports that named it');
  });
});
