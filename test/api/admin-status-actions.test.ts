import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accountWarnings, adminActionLogs, appeals, mediaAttachments } from '../../src/db/schema.ts';
import { type Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { mailsTo } from '../helpers/mail.ts';
import { submitStaffForm } from '../helpers/staff-pages.ts';
import { until } from '../helpers/until.ts';

const ADMIN_SCOPES = 'read write admin:read admin:write';

/**
 * What staff do to a member's statuses (Admin::StatusBatchAction, Api::V1::Admin::Status{es,Actions}):
 * deleted or marked sensitive with a strike the member is told of and may appeal, which undoes it;
 * and the warning presets a strike's text may start from.
 */
describe('admin: actions on statuses, and warning presets', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let moderator: TestUser;
  let poster: TestUser;
  let reporter: TestUser;
  let moderatorBrowser: Browser;

  const call = (method: string, path: string, token: string, json?: Record<string, unknown>) => instance.request(method, path, { token, json });
  const post = async (status: string, withMedia = false) => {
    const posted = await call('POST', '/api/v1/statuses', poster.token, { status });
    assert.equal(posted.status, 200, posted.text);
    if (withMedia) await instance.ctx.db.insert(mediaAttachments).values({ statusId: posted.body.id, accountId: poster.accountId, type: 'image', remoteUrl: 'https://cdn.example/a.png' });
    return posted.body.id as string;
  };
  const report = async (statusIds: string[]) => {
    const filed = await call('POST', '/api/v1/reports', reporter.token, { account_id: poster.accountId, status_ids: statusIds, comment: 'look' });
    assert.equal(filed.status, 200, filed.text);
    return filed.body.id as string;
  };
  const strikesOf = () => instance.ctx.db.select().from(accountWarnings).where(eq(accountWarnings.targetAccountId, poster.accountId)).orderBy(accountWarnings.id);
  /** the poster appeals the strike on its page */
  const appealStrike = async (strikeId: string) => {
    const browser = await signedInBrowser(instance.url, poster);
    const page = await browser.get(`/disputes/strikes/${strikeId}`);
    const form = formFields(page.html);
    assert.equal((await browser.post(form.action, { ...form.fields, 'appeal[text]': 'It was fine' })).status, 303);
    const [appeal] = await instance.ctx.db.select().from(appeals).where(eq(appeals.accountWarningId, strikeId));
    return appeal!.id;
  };
  /** … and an Admin approves the appeal through the API */
  const appealAndApprove = async (strikeId: string) => {
    const approved = await call('POST', `/api/v1/admin/appeals/${await appealStrike(strikeId)}/approve`, admin.token);
    assert.equal(approved.status, 200, approved.text);
  };

  before(async () => {
    instance = await startInstance();
    admin = await instance.createUser('admin', { role: 'Admin', scopes: ADMIN_SCOPES });
    moderator = await instance.createUser('moderator', { role: 'Moderator', scopes: ADMIN_SCOPES });
    poster = await instance.createUser('poster');
    reporter = await instance.createUser('reporter', { scopes: ADMIN_SCOPES });
    moderatorBrowser = await signedInBrowser(instance.url, moderator);
  });
  after(() => instance.close());

  it('marks a report’s posts with media sensitive from the report’s page, with a strike an appeal undoes', async () => {
    const withMedia = await post('look at this', true);
    const textOnly = await post('just words');
    const reportId = await report([withMedia, textOnly]);

    const done = await submitStaffForm(moderatorBrowser, `/admin/reports/${reportId}`, `/admin/reports/${reportId}/statuses_action`, {
      type: 'mark_as_sensitive',
      text: 'Please mark your media',
      send_email_notification: '1',
    });
    assert.equal(done.status, 303, done.html);
    assert.equal((await call('GET', `/api/v1/statuses/${withMedia}`, reporter.token)).body.sensitive, true);
    assert.equal((await call('GET', `/api/v1/statuses/${textOnly}`, reporter.token)).body.sensitive, false, 'nothing to hide in a status without media');
    assert.equal((await call('GET', `/api/v1/admin/reports/${reportId}`, moderator.token)).body.action_taken, true, 'the report is resolved');

    const [strike] = await strikesOf();
    assert.deepEqual([strike!.action, strike!.text, strike!.reportId, strike!.statusIds], ['mark_statuses_as_sensitive', 'Please mark your media', reportId, [withMedia]]);
    const notifications = await call('GET', '/api/v1/notifications?types[]=moderation_warning', poster.token);
    assert.equal(notifications.body[0]?.moderation_warning?.action, 'mark_statuses_as_sensitive');
    const logged = await instance.ctx.db.select().from(adminActionLogs).where(eq(adminActionLogs.targetId, withMedia));
    assert.deepEqual(
      logged.map((row) => [row.action, row.targetType]),
      [['update', 'Status']],
    );

    // the appeal is mailed to the staff who decide appeals, and decided on the account's page
    const appealId = await appealStrike(strike!.id);
    // (staff are mailed new reports too: the appeal's is the one about an appeal)
    const mail = await until(async () => mailsTo(instance.dataDir, admin.email).find((text) => /appealing a moderation decision/.test(text)), 'the appeal mail');
    assert.match(mail, /Subject: poster is appealing a moderation decision on /);
    assert.match(mail, /It was fine/);
    assert.ok(mail.includes(`/admin/accounts/${poster.accountId}`), mail);
    assert.deepEqual(
      mailsTo(instance.dataDir, moderator.email).filter((text) => /appealing/.test(text)),
      [],
      'a Moderator does not decide appeals',
    );
    const adminBrowser = await signedInBrowser(instance.url, admin);
    const decided = await submitStaffForm(adminBrowser, `/admin/accounts/${poster.accountId}`, `/admin/appeals/${appealId}/approve`);
    assert.equal(decided.status, 303, decided.html);
    assert.equal(decided.location, `/admin/accounts/${poster.accountId}`);
    assert.match((await adminBrowser.get(`/admin/accounts/${poster.accountId}`)).html, /Appeal \(approved\): It was fine/);
    assert.equal((await call('GET', `/api/v1/statuses/${withMedia}`, reporter.token)).body.sensitive, false, 'shown again');
  });

  it('deletes a status through the admin API (a strike with the report), restored when the appeal is approved', async () => {
    const doomed = await post('something awful');
    const reportId = await report([doomed]);
    const before = (await call('GET', `/api/v1/accounts/${poster.accountId}`, reporter.token)).body.statuses_count;

    const refused = await call('POST', `/api/v1/admin/statuses/${doomed}/action`, reporter.token, { type: 'delete' });
    assert.equal(refused.status, 403);
    const unknownType = await call('POST', `/api/v1/admin/statuses/${doomed}/action`, moderator.token, { type: 'silence' });
    assert.equal(unknownType.status, 422);
    const done = await call('POST', `/api/v1/admin/statuses/${doomed}/action`, moderator.token, { type: 'delete', report_id: reportId, text: 'Not here', send_email_notification: true });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(done.body, {});
    assert.equal((await call('GET', `/api/v1/statuses/${doomed}`, reporter.token)).status, 404);
    assert.equal((await call('GET', `/api/v1/accounts/${poster.accountId}`, reporter.token)).body.statuses_count, before - 1);
    assert.equal((await call('GET', `/api/v1/admin/reports/${reportId}`, moderator.token)).body.action_taken, true);
    // staff still see it
    const seen = await call('GET', `/api/v1/admin/statuses/${doomed}`, moderator.token);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.body.id, doomed);

    const strike = (await strikesOf()).at(-1)!;
    assert.deepEqual([strike.action, strike.statusIds], ['delete_statuses', [doomed]]);
    await appealAndApprove(strike.id);
    assert.equal((await call('GET', `/api/v1/statuses/${doomed}`, reporter.token)).status, 200, 'restored');
    assert.equal((await call('GET', `/api/v1/accounts/${poster.accountId}`, reporter.token)).body.statuses_count, before);
  });

  it('deletes a status and lifts its sensitivity without a strike (DELETE and unsensitive)', async () => {
    const shown = await post('with a picture', true);
    await call('POST', `/api/v1/admin/statuses/${shown}/action`, moderator.token, { type: 'sensitive' });
    assert.equal((await call('GET', `/api/v1/statuses/${shown}`, reporter.token)).body.sensitive, true);
    const lifted = await call('POST', `/api/v1/admin/statuses/${shown}/unsensitive`, moderator.token);
    assert.equal(lifted.status, 200, lifted.text);
    assert.equal(lifted.body.sensitive, false);

    const strikes = (await strikesOf()).length;
    const deleted = await call('DELETE', `/api/v1/admin/statuses/${shown}`, moderator.token);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.body.id, shown);
    assert.equal((await call('GET', `/api/v1/statuses/${shown}`, reporter.token)).status, 404);
    assert.equal((await strikesOf()).length, strikes, 'no strike');
    assert.equal((await call('DELETE', `/api/v1/admin/statuses/${shown}`, reporter.token)).status, 403);
    assert.equal((await call('GET', '/api/v1/admin/statuses/123', moderator.token)).status, 404);
  });

  it('keeps warning presets, which start a strike’s text', async () => {
    const adminBrowser = await signedInBrowser(instance.url, admin);
    const created = await submitStaffForm(adminBrowser, '/admin/warning_presets', '/admin/warning_presets', { title: 'Spam', text: 'Your account posted spam.' });
    assert.equal(created.status, 303, created.html);
    // moderators may not edit them
    assert.equal((await moderatorBrowser.get('/admin/warning_presets')).status, 403);

    const listed = await call('GET', '/api/v1/admin/warning_presets', moderator.token);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.map((preset: { title: string; text: string }) => [preset.title, preset.text]),
      [['Spam', 'Your account posted spam.']],
    );
    const presetId = listed.body[0].id;
    assert.equal((await call('GET', `/api/v1/admin/warning_presets/${presetId}`, moderator.token)).body.title, 'Spam');
    assert.equal((await call('GET', '/api/v1/admin/warning_presets', reporter.token)).status, 403);

    const acted = await call('POST', `/api/v1/admin/accounts/${poster.accountId}/action`, moderator.token, { type: 'none', warning_preset_id: presetId, text: 'Last warning.' });
    assert.equal(acted.status, 200, acted.text);
    assert.equal((await strikesOf()).at(-1)!.text, 'Your account posted spam.\n\nLast warning.');
    // the report page offers the presets
    const reportId = await report([]);
    assert.match((await moderatorBrowser.get(`/admin/reports/${reportId}`)).html, /<option value="\d+">Spam<\/option>/);

    const removed = await submitStaffForm(adminBrowser, '/admin/warning_presets', `/admin/warning_presets/${presetId}/delete`);
    assert.equal(removed.status, 303);
    assert.deepEqual((await call('GET', '/api/v1/admin/warning_presets', moderator.token)).body, []);
  });
});
