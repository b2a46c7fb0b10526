import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountModerationNotes, reportNotes } from '../../src/db/schema.ts';
import { type Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { submitStaffForm } from '../helpers/staff-pages.ts';

describe("staff web interface: moderators' notes on reports and accounts", () => {
  let instance: TestInstance;
  let member: TestUser;
  let spammer: TestUser;
  let admin: Browser;
  let moderator: Browser;
  let memberBrowser: Browser;
  let reportId: string;
  before(async () => {
    instance = await startInstance();
    member = await instance.createUser('member');
    spammer = await instance.createUser('spammer');
    admin = await signedInBrowser(instance.url, await instance.createUser('admin', { role: 'Admin' }));
    moderator = await signedInBrowser(instance.url, await instance.createUser('moderator', { role: 'Moderator' }));
    memberBrowser = await signedInBrowser(instance.url, member);
    const filed = await instance.request('POST', '/api/v1/reports', { token: member.token, json: { account_id: spammer.accountId, comment: 'spam' } });
    assert.equal(filed.status, 200, filed.text);
    reportId = filed.body.id;
  });
  after(() => instance.close());

  const reportPage = () => `/admin/reports/${reportId}`;
  const accountPage = () => `/admin/accounts/${spammer.accountId}`;
  const isResolved = async () => (await instance.request('GET', `/api/v1/admin/reports/${reportId}`, { token: (await staffToken()).token })).body.action_taken as boolean;
  let reader: TestUser | undefined;
  const staffToken = async () => (reader ??= await instance.createUser('reader', { role: 'Admin', scopes: 'admin:read' }));

  it('adds notes to a report, with their author; "Add note and resolve" resolves it, "Add note and reopen" reopens it', async () => {
    const added = await submitStaffForm(moderator, reportPage(), `${reportPage()}/notes`, { content: 'Looked at the posts: all links to one shop' });
    assert.equal(added.status, 303, added.html);
    const shown = await moderator.get(reportPage());
    assert.match(shown.html, /@moderator<\/a>, \d{4}-\d\d-\d\d<\/p><blockquote>Looked at the posts: all links to one shop<\/blockquote>/);
    assert.equal(await isResolved(), false);

    assert.equal((await submitStaffForm(moderator, reportPage(), `${reportPage()}/notes`, { content: 'Suspending', resolve: 'resolve' })).status, 303);
    assert.equal(await isResolved(), true);
    assert.match((await moderator.get(reportPage())).html, /Add note and reopen/);
    assert.equal((await submitStaffForm(admin, reportPage(), `${reportPage()}/notes`, { content: 'Reopened: the member appealed', resolve: 'reopen' })).status, 303);
    assert.equal(await isResolved(), false);
    assert.deepEqual((await instance.ctx.db.select().from(reportNotes)).map((note) => note.content).sort(), [
      'Looked at the posts: all links to one shop',
      'Reopened: the member appealed',
      'Suspending',
    ]);
  });

  it('refuses an empty or too long note with 422, and adds nothing', async () => {
    const before = (await instance.ctx.db.select().from(reportNotes)).length;
    assert.equal((await submitStaffForm(moderator, reportPage(), `${reportPage()}/notes`, { content: '   ' })).status, 422);
    assert.equal((await submitStaffForm(moderator, reportPage(), `${reportPage()}/notes`, { content: 'x'.repeat(2001), resolve: 'resolve' })).status, 422);
    assert.equal((await instance.ctx.db.select().from(reportNotes)).length, before);
    assert.equal(await isResolved(), false, 'a refused note resolves nothing');
  });

  it('notes on an account: their author may delete them, staff of a higher role too, a lower role may not', async () => {
    assert.equal((await submitStaffForm(moderator, accountPage(), `${accountPage()}/notes`, { content: 'Second account of a spammer we banned' })).status, 303);
    assert.equal((await submitStaffForm(admin, accountPage(), `${accountPage()}/notes`, { content: 'Watch their sign-up IP' })).status, 303);
    const notes = await instance.ctx.db.select().from(accountModerationNotes);
    const byModerator = notes.find((note) => note.content.startsWith('Second'))!;
    const byAdmin = notes.find((note) => note.content.startsWith('Watch'))!;
    const page = (await moderator.get(accountPage())).html;
    assert.match(page, /<blockquote>Second account of a spammer we banned<\/blockquote>/);
    assert.match(page, /<blockquote>Watch their sign-up IP<\/blockquote>/);
    assert.ok(page.includes(`${accountPage()}/notes/${byModerator.id}/delete`), 'the author is offered to delete her note');
    assert.ok(!page.includes(`${accountPage()}/notes/${byAdmin.id}/delete`), "a moderator is not offered to delete an admin's note");

    // a request the page does not offer is refused too
    const token = formFields((await moderator.get(accountPage())).html).fields.authenticity_token!;
    assert.equal((await moderator.post(`${accountPage()}/notes/${byAdmin.id}/delete`, { authenticity_token: token })).status, 403);
    assert.equal((await moderator.post(`${accountPage()}/notes/999999/delete`, { authenticity_token: token })).status, 404);

    assert.equal((await submitStaffForm(admin, accountPage(), `${accountPage()}/notes/${byModerator.id}/delete`)).status, 303);
    assert.equal((await submitStaffForm(admin, accountPage(), `${accountPage()}/notes/${byAdmin.id}/delete`)).status, 303);
    assert.deepEqual(await instance.ctx.db.select().from(accountModerationNotes), []);
  });

  it('keeps notes from members', async () => {
    const response = await memberBrowser.get(reportPage());
    assert.notEqual(response.status, 200);
    assert.doesNotMatch(response.html, /Looked at the posts/);
    const token = formFields((await memberBrowser.get('/settings/migration')).html).fields.authenticity_token;
    const posted = await memberBrowser.post(`${reportPage()}/notes`, { authenticity_token: token ?? '', content: 'hello' });
    assert.equal(posted.status, 403);
    assert.equal((await instance.ctx.db.select().from(reportNotes)).filter((note) => note.content === 'hello').length, 0);
  });
});
