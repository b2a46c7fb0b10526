import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accountWarnings, adminActionLogs, reports, sessionActivations, users } from '../../src/db/schema.ts';
import { fabricateRemoteAccount, fabricateStatus } from '../helpers/fabricators.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { everyQueueDrained } from '../helpers/queues-drained.ts';
import { until } from '../helpers/until.ts';

const ADMIN_SCOPES = 'read write admin:read admin:write';

describe('admin API: accounts', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let moderator: TestUser;
  let member: TestUser;
  let reportsOnly: TestUser;
  before(async () => {
    instance = await startInstance();
    admin = await instance.createUser('admin', { role: 'Admin', scopes: ADMIN_SCOPES });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: ADMIN_SCOPES });
    member = await instance.createUser('member', { scopes: ADMIN_SCOPES });
    reportsOnly = await instance.createUser('reportreader', { role: 'Admin', scopes: 'read admin:read:reports' });
  });
  after(() => instance.close());

  const get = (path: string, token = moderator.token) => instance.request('GET', path, { token });
  const post = (path: string, json: Record<string, unknown> = {}, token = moderator.token) => instance.request('POST', path, { token, json });
  const logRows = async (targetId: string) => (await instance.ctx.db.select().from(adminActionLogs).where(eq(adminActionLogs.targetId, targetId))).map((row) => row.action);

  it('refuses members, anonymous callers and tokens without an accounts scope', async () => {
    const target = await instance.createUser('target0');
    for (const [token, error] of [
      [member.token, 'This action is not allowed'],
      [undefined, 'This action is not allowed'],
      [reportsOnly.token, 'This action is outside the authorized scopes'],
    ] as const) {
      for (const [method, path] of [
        ['GET', '/api/v1/admin/accounts'],
        ['GET', '/api/v2/admin/accounts'],
        ['GET', `/api/v1/admin/accounts/${target.accountId}`],
        ['POST', `/api/v1/admin/accounts/${target.accountId}/action`],
        ['POST', `/api/v1/admin/accounts/${target.accountId}/unsuspend`],
      ] as const) {
        const response = await instance.request(method, path, { token, json: method === 'POST' ? { type: 'suspend' } : undefined });
        assert.equal(response.status, 403, `${method} ${path}: ${response.text}`);
        assert.deepEqual(response.body, { error });
      }
    }
    const shown = await get(`/api/v1/admin/accounts/${target.accountId}`);
    assert.equal(shown.body.suspended, false, 'nothing changed');
  });

  it('shows a local account as Mastodon’s Admin::Account, with its addresses', async () => {
    const target = await instance.createUser('shown', { email: 'shown@example.com' });
    await instance.ctx.db.update(users).set({ signUpIp: '192.0.2.7', locale: 'de', inviteRequestText: 'I like it here' }).where(eq(users.id, target.userId));
    const response = await get(`/api/v1/admin/accounts/${target.accountId}`);
    assert.equal(response.status, 200, response.text);
    const { created_at, ips, account, ...rest } = response.body;
    assert.ok(!Number.isNaN(Date.parse(created_at)));
    assert.deepEqual(rest, {
      id: target.accountId,
      username: 'shown',
      domain: null,
      email: 'shown@example.com',
      ip: '192.0.2.7',
      role: { id: '-99', name: '', color: '', permissions: '65536', highlighted: false },
      confirmed: true,
      suspended: false,
      silenced: false,
      sensitized: false,
      disabled: false,
      approved: true,
      locale: 'de',
      invite_request: 'I like it here',
    });
    assert.equal(ips.length, 1);
    assert.equal(ips[0].ip, '192.0.2.7');
    assert.ok(!Number.isNaN(Date.parse(ips[0].used_at)));
    assert.equal(account.id, target.accountId);
    assert.equal(account.acct, 'shown');

    const remote = await fabricateRemoteAccount(instance.ctx, { username: 'faraway', domain: 'far.example' });
    const remoteShown = await get(`/api/v1/admin/accounts/${remote.id}`);
    assert.equal(remoteShown.status, 200, remoteShown.text);
    assert.equal(remoteShown.body.domain, 'far.example');
    for (const field of ['email', 'ip', 'role', 'confirmed', 'disabled', 'approved', 'locale', 'invite_request']) assert.equal(remoteShown.body[field], null, field);
    assert.deepEqual(remoteShown.body.ips, []);
    assert.equal(remoteShown.body.account.acct, 'faraway@far.example');

    assert.equal((await get('/api/v1/admin/accounts/999999999')).status, 404);
    assert.equal((await get('/api/v1/admin/accounts/nope')).status, 404);
  });

  it('lists accounts with the v1 filters (local and active by default) and the v2 filters', async () => {
    const pending = await instance.createUser('waiting', { email: 'waiting@pending.example' });
    await instance.ctx.db.update(users).set({ approved: false }).where(eq(users.id, pending.userId));
    const named = await instance.createUser('findme');
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: named.token, json: { display_name: 'The Findable One' } });
    await instance.ctx.db.insert(sessionActivations).values({ sessionDigest: `digest-${named.userId}`, userId: named.userId, userAgent: 'test', ip: '198.51.100.23' });
    const remote = await fabricateRemoteAccount(instance.ctx, { username: 'listed', domain: 'list.example' });

    const ids = async (path: string) => {
      const response = await get(path);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      return response.body.map((entity: { id: string }) => entity.id) as string[];
    };
    const byDefault = await ids('/api/v1/admin/accounts?limit=200');
    assert.ok(byDefault.includes(named.accountId));
    assert.ok(byDefault.includes(pending.accountId), 'a pending account is not suspended: active');
    assert.ok(!byDefault.includes(remote.id), 'local only by default');
    assert.deepEqual(await ids('/api/v1/admin/accounts?remote=true&by_domain=list.example'), [remote.id]);
    assert.deepEqual(await ids('/api/v1/admin/accounts?pending=true'), [pending.accountId]);
    assert.deepEqual(await ids('/api/v1/admin/accounts?username=findm'), [named.accountId]);
    assert.deepEqual(await ids('/api/v1/admin/accounts?display_name=findable'), [named.accountId]);
    assert.deepEqual(await ids('/api/v1/admin/accounts?email=waiting@'), [pending.accountId]);
    assert.deepEqual(await ids('/api/v1/admin/accounts?ip=198.51.100.0/24'), [named.accountId]);
    const staff = await ids('/api/v1/admin/accounts?staff=true');
    assert.deepEqual(new Set(staff), new Set([admin.accountId, moderator.accountId, reportsOnly.accountId]));

    assert.deepEqual(await ids('/api/v2/admin/accounts?origin=remote&by_domain=list.example'), [remote.id]);
    assert.deepEqual(await ids('/api/v2/admin/accounts?status=pending'), [pending.accountId]);
    assert.deepEqual(await ids('/api/v2/admin/accounts?role_ids[]=1'), [moderator.accountId]);
    assert.deepEqual(new Set(await ids('/api/v2/admin/accounts?permissions=staff')), new Set(staff));
    assert.ok((await ids('/api/v2/admin/accounts?limit=200')).includes(remote.id), 'v2 has no default origin');
    for (const path of ['/api/v2/admin/accounts?origin=mars', '/api/v2/admin/accounts?status=sleepy', '/api/v1/admin/accounts?ip=not-an-address']) {
      const response = await get(path);
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.match(response.body.error, /Unknown|Invalid/);
    }
  });

  it('pages with Mastodon’s admin Link header', async () => {
    const first = await get('/api/v1/admin/accounts?limit=2');
    assert.equal(first.body.length, 2);
    const link = first.headers.get('link') ?? '';
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    assert.ok(next, link);
    assert.match(link, /rel="prev"/);
    const second = await get(new URL(next).pathname + new URL(next).search);
    assert.equal(second.body.length, 2);
    assert.ok(BigInt(second.body[0].id) < BigInt(first.body[1].id), 'older accounts next');
  });

  it('approves and rejects pending sign-ups', async () => {
    const approved = await instance.createUser('approveme');
    const rejected = await instance.createUser('rejectme');
    await instance.ctx.db.update(users).set({ approved: false }).where(eq(users.id, approved.userId));
    await instance.ctx.db.update(users).set({ approved: false }).where(eq(users.id, rejected.userId));

    const approval = await post(`/api/v1/admin/accounts/${approved.accountId}/approve`);
    assert.equal(approval.status, 200, approval.text);
    assert.equal(approval.body.approved, true);
    assert.equal((await post(`/api/v1/admin/accounts/${approved.accountId}/approve`)).status, 403, 'approved already');
    assert.equal((await post(`/api/v1/admin/accounts/${approved.accountId}/reject`)).status, 403, 'an approved account cannot be rejected');

    const rejection = await post(`/api/v1/admin/accounts/${rejected.accountId}/reject`);
    assert.equal(rejection.status, 200, rejection.text);
    assert.equal(rejection.body.username, 'rejectme');
    assert.equal((await get(`/api/v1/admin/accounts/${rejected.accountId}`)).status, 404, 'the sign-up is gone');
    assert.deepEqual(await logRows(approved.accountId), ['approve']);
    assert.deepEqual(await logRows(rejected.accountId), ['reject']);
  });

  it('suspends: the account is hidden, its login refused, its reports resolved; unsuspending restores it', async () => {
    const target = await instance.createUser('suspendme');
    const viewer = await instance.createUser('onlooker');
    const posted = await instance.request('POST', '/api/v1/statuses', { token: target.token, json: { status: 'findable words before suspension' } });
    assert.equal(posted.status, 200, posted.text);
    const report = await instance.request('POST', '/api/v1/reports', { token: viewer.token, json: { account_id: target.accountId, status_ids: [posted.body.id], comment: 'spam' } });
    assert.equal(report.status, 200, report.text);
    await everyQueueDrained(instance);

    const action = await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'suspend', text: 'You broke the rules', report_id: report.body.id });
    assert.equal(action.status, 200, action.text);
    assert.deepEqual(action.body, {});

    const shown = await get(`/api/v1/admin/accounts/${target.accountId}`);
    assert.equal(shown.body.suspended, true);
    const profile = await instance.request('GET', `/api/v1/accounts/${target.accountId}`, { token: viewer.token });
    assert.equal(profile.body.suspended, true);
    assert.equal(profile.body.display_name, '');
    const publicTimeline = await instance.request('GET', '/api/v1/timelines/public?local=true', { token: viewer.token });
    assert.ok(!publicTimeline.body.some((status: { id: string }) => status.id === posted.body.id), 'out of the public timeline');
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: viewer.token })).status, 404);
    const ownStatuses = await instance.request('GET', `/api/v1/accounts/${target.accountId}/statuses`, { token: viewer.token });
    assert.deepEqual([ownStatuses.status, ownStatuses.body], [200, []], 'no statuses on the profile');
    const search = await instance.request('GET', '/api/v2/search?q=suspendme&type=accounts', { token: viewer.token });
    assert.deepEqual(search.body.accounts, []);
    const ownCall = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: target.token });
    assert.equal(ownCall.status, 403);
    assert.deepEqual(ownCall.body, { error: 'Your login is currently disabled' });
    const browser = new Browser(instance.url);
    const { fields } = formFields((await browser.get('/auth/sign_in')).html);
    const signIn = await browser.post('/auth/sign_in', { ...fields, 'user[email]': target.email, 'user[password]': target.password });
    assert.equal(signIn.status, 401, 'sign-in refused');

    const [strike] = await instance.ctx.db.select().from(accountWarnings).where(eq(accountWarnings.targetAccountId, target.accountId));
    assert.equal(strike?.action, 'suspend');
    assert.equal(strike?.text, 'You broke the rules');
    assert.deepEqual(strike?.statusIds, [posted.body.id]);
    const [resolved] = await instance.ctx.db.select().from(reports).where(eq(reports.id, report.body.id));
    assert.ok(resolved?.actionTakenAt, 'the report is resolved');
    assert.equal(resolved?.actionTakenByAccountId, moderator.accountId);
    assert.deepEqual(await logRows(target.accountId), ['suspend']);
    assert.deepEqual(await logRows(report.body.id), ['resolve']);

    const lifted = await post(`/api/v1/admin/accounts/${target.accountId}/unsuspend`);
    assert.equal(lifted.status, 200, lifted.text);
    assert.equal(lifted.body.suspended, false);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: viewer.token })).status, 200, 'the status is back');
    const again = await instance.request('GET', '/api/v1/timelines/public?local=true', { token: viewer.token });
    assert.ok(
      again.body.some((status: { id: string }) => status.id === posted.body.id),
      'back in the public timeline',
    );
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: target.token })).status, 200);
    assert.equal((await post(`/api/v1/admin/accounts/${target.accountId}/unsuspend`)).status, 403, 'not suspended any more');
  });

  it('deletes only an account suspended here, and only for staff who may delete user data', async () => {
    const target = await instance.createUser('deleteme');
    assert.equal((await instance.request('DELETE', `/api/v1/admin/accounts/${target.accountId}`, { token: admin.token })).status, 403, 'not suspended');
    assert.equal((await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'suspend' })).status, 200);
    assert.equal((await instance.request('DELETE', `/api/v1/admin/accounts/${target.accountId}`, { token: moderator.token })).status, 403, 'a Moderator may not delete user data');
    const deletion = await instance.request('DELETE', `/api/v1/admin/accounts/${target.accountId}`, { token: admin.token });
    assert.equal(deletion.status, 200, deletion.text);
    assert.deepEqual(deletion.body, {});
    await until(async () => (await get(`/api/v1/admin/accounts/${target.accountId}`)).status === 404, 'the account is deleted');
    assert.deepEqual(await logRows(target.accountId), ['suspend', 'destroy']);
  });

  it('limits (silences) an account: out of public timelines; unsilence brings it back', async () => {
    const target = await instance.createUser('silenceme');
    const posted = await instance.request('POST', '/api/v1/statuses', { token: target.token, json: { status: 'loud' } });
    await everyQueueDrained(instance);
    assert.equal((await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'silence' })).status, 200);
    const shown = await get(`/api/v1/admin/accounts/${target.accountId}`);
    assert.equal(shown.body.silenced, true);
    assert.equal(shown.body.account.limited, true);
    const publicTimeline = await instance.request('GET', '/api/v1/timelines/public', { token: member.token });
    assert.ok(!publicTimeline.body.some((status: { id: string }) => status.id === posted.body.id));
    const silenced = await get('/api/v1/admin/accounts?silenced=true');
    assert.deepEqual(
      silenced.body.map((entity: { id: string }) => entity.id),
      [target.accountId],
    );
    // as Mastodon's FollowService: a limited account's follows wait for approval
    const follow = await instance.request('POST', `/api/v1/accounts/${member.accountId}/follow`, { token: target.token });
    assert.equal(follow.status, 200, follow.text);
    assert.deepEqual([follow.body.following, follow.body.requested], [false, true]);
    const unsilenced = await post(`/api/v1/admin/accounts/${target.accountId}/unsilence`);
    assert.equal(unsilenced.body.silenced, false);
    const back = await instance.request('GET', '/api/v1/timelines/public', { token: member.token });
    assert.ok(back.body.some((status: { id: string }) => status.id === posted.body.id));
    assert.deepEqual(await logRows(target.accountId), ['silence', 'unsilence']);
  });

  it('marks an account’s media sensitive for everyone but its owner', async () => {
    const target = await instance.createUser('sensitizeme');
    const posted = await instance.request('POST', '/api/v1/statuses', { token: target.token, json: { status: 'look at this' } });
    assert.equal(posted.body.sensitive, false);
    assert.equal((await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'sensitive' })).status, 200);
    assert.equal((await get(`/api/v1/admin/accounts/${target.accountId}`)).body.sensitized, true);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: member.token })).body.sensitive, true);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`)).body.sensitive, true, 'anonymous too');
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: target.token })).body.sensitive, false, 'the owner sees their own choice');
    const sensitized = await get('/api/v2/admin/accounts?status=sensitized');
    assert.deepEqual(
      sensitized.body.map((entity: { id: string }) => entity.id),
      [target.accountId],
    );
    assert.equal((await post(`/api/v1/admin/accounts/${target.accountId}/unsensitive`)).body.sensitized, false);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: member.token })).body.sensitive, false);
  });

  it('disables and enables a login; a warning reaches the member as a moderation_warning notification', async () => {
    const target = await instance.createUser('disableme');
    const disabled = await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'disable', text: 'Take a break' });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal((await get(`/api/v1/admin/accounts/${target.accountId}`)).body.disabled, true);
    const refused = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: target.token });
    assert.deepEqual([refused.status, refused.body], [403, { error: 'Your login is currently disabled' }]);
    assert.deepEqual(
      (await get('/api/v1/admin/accounts?disabled=true')).body.map((entity: { id: string }) => entity.id),
      [target.accountId],
    );
    const enabled = await post(`/api/v1/admin/accounts/${target.accountId}/enable`);
    assert.equal(enabled.body.disabled, false);

    const notifications = await instance.request('GET', '/api/v1/notifications', { token: target.token });
    const warning = notifications.body.find((notification: { type: string }) => notification.type === 'moderation_warning');
    assert.ok(warning, notifications.text);
    assert.equal(warning.account.id, moderator.accountId);
    assert.equal(warning.moderation_warning.action, 'disable');
    assert.equal(warning.moderation_warning.text, 'Take a break');
    assert.equal(warning.moderation_warning.target_account.id, target.accountId);
    assert.equal(warning.moderation_warning.appeal, null);
    const grouped = await instance.request('GET', '/api/v2/notifications?types[]=moderation_warning', { token: target.token });
    assert.equal(grouped.body.notification_groups[0]?.moderation_warning?.id, warning.moderation_warning.id, grouped.text);

    const silent = await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'none', text: 'Just a note', send_email_notification: false });
    assert.equal(silent.status, 200);
    const after = await instance.request('GET', '/api/v1/notifications', { token: target.token });
    assert.equal(after.body.filter((notification: { type: string }) => notification.type === 'moderation_warning').length, 1, 'not told when send_email_notification is false');
    assert.deepEqual(await logRows(target.accountId), ['disable', 'enable']);
    const strikes = await instance.ctx.db.select().from(accountWarnings).where(eq(accountWarnings.targetAccountId, target.accountId));
    assert.deepEqual(strikes.map((strike) => strike.action).sort(), ['disable', 'none']);
  });

  it('refuses an unknown action, a report about someone else, a warning preset, and acting on a peer or superior', async () => {
    const target = await instance.createUser('badinput');
    const other = await instance.createUser('otherone');
    const report = await instance.request('POST', '/api/v1/reports', { token: member.token, json: { account_id: other.accountId } });
    const cases: [Record<string, unknown>, number][] = [
      [{ type: 'obliterate' }, 422],
      [{}, 422],
      [{ type: 'silence', report_id: report.body.id }, 404],
      [{ type: 'silence', warning_preset_id: '1' }, 404],
    ];
    for (const [json, status] of cases) {
      const response = await post(`/api/v1/admin/accounts/${target.accountId}/action`, json);
      assert.equal(response.status, status, `${JSON.stringify(json)}: ${response.text}`);
    }
    assert.equal((await post(`/api/v1/admin/accounts/${admin.accountId}/action`, { type: 'suspend' })).status, 403, 'a Moderator cannot suspend an Admin');
    const remote = await fabricateRemoteAccount(instance.ctx, { username: 'nologin', domain: 'far.example' });
    assert.equal((await post(`/api/v1/admin/accounts/${remote.id}/action`, { type: 'disable' })).status, 403, 'a remote account has no login');
    const unchanged = await get(`/api/v1/admin/accounts/${target.accountId}`);
    assert.equal(unchanged.body.silenced, false);
    assert.deepEqual(await logRows(target.accountId), []);
  });

  it('lists the audit log for staff, newest first', async () => {
    const target = await instance.createUser('logged');
    await fabricateStatus(instance.ctx, target.accountId);
    await post(`/api/v1/admin/accounts/${target.accountId}/action`, { type: 'silence' });
    await post(`/api/v1/admin/accounts/${target.accountId}/unsilence`);
    const log = await get(`/api/v1/admin/action_logs?target_type=Account&target_id=${target.accountId}`);
    assert.equal(log.status, 200, log.text);
    assert.deepEqual(
      log.body.map((entry: { action: string }) => entry.action),
      ['unsilence', 'silence'],
    );
    assert.equal(log.body[1].summary, 'limited @logged');
    assert.equal(log.body[1].account.id, moderator.accountId);
    assert.equal(log.body[1].target_type, 'Account');
    assert.equal((await get('/api/v1/admin/action_logs', member.token)).status, 403);
  });
});
