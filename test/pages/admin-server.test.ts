import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { submitStaffForm } from '../helpers/staff-pages.ts';
import { until } from '../helpers/until.ts';

const ADMIN_SCOPES = 'read write admin:read admin:write';

describe('staff web interface: blocks, rules, settings, audit log and job queues', () => {
  let instance: TestInstance;
  let admin: TestUser;
  let owner: TestUser;
  let browser: Browser;
  before(async () => {
    instance = await startInstance();
    admin = await instance.createUser('admin', { role: 'Admin', scopes: ADMIN_SCOPES });
    owner = await instance.createUser('owner', { role: 'Owner', scopes: ADMIN_SCOPES });
    browser = await signedInBrowser(instance.url, admin);
  });
  after(() => instance.close());

  const api = async (path: string) => {
    const response = await instance.request('GET', path, { token: admin.token });
    assert.equal(response.status, 200, response.text);
    return response.body;
  };
  const removeButton = (html: string, prefix: string) => new RegExp(`action="(${prefix}/\\d+/delete)"`).exec(html)?.[1];

  it('adds and removes domain blocks and allows', async () => {
    const added = await submitStaffForm(browser, '/admin/domain_blocks', '/admin/domain_blocks', { domain: 'spam.example', severity: 'suspend', public_comment: 'Spam source', reject_media: '1' });
    assert.equal(added.status, 303, added.html);
    const [block] = await api('/api/v1/admin/domain_blocks');
    assert.deepEqual([block.domain, block.severity, block.public_comment, block.reject_media], ['spam.example', 'suspend', 'Spam source', true]);
    const twice = await submitStaffForm(browser, '/admin/domain_blocks', '/admin/domain_blocks', { domain: 'spam.example', severity: 'silence' });
    assert.equal(twice.status, 422);
    await submitStaffForm(browser, '/admin/domain_blocks', '/admin/domain_allows', { domain: 'friend.example' });
    assert.deepEqual(
      (await api('/api/v1/admin/domain_allows')).map((allow: { domain: string }) => allow.domain),
      ['friend.example'],
    );
    const page = await browser.get('/admin/domain_blocks');
    assert.match(page.html, /Spam source/);
    await submitStaffForm(browser, '/admin/domain_blocks', removeButton(page.html, '/admin/domain_blocks')!);
    await submitStaffForm(browser, '/admin/domain_blocks', removeButton(page.html, '/admin/domain_allows')!);
    assert.deepEqual(await api('/api/v1/admin/domain_blocks'), []);
    assert.deepEqual(await api('/api/v1/admin/domain_allows'), []);
  });

  it('adds and removes e-mail domain blocks and IP blocks, refusing invalid ones', async () => {
    await submitStaffForm(browser, '/admin/email_domain_blocks', '/admin/email_domain_blocks', { domain: 'throwaway.example', allow_with_approval: '1' });
    const [emailBlock] = await api('/api/v1/admin/email_domain_blocks');
    assert.deepEqual([emailBlock.domain, emailBlock.allow_with_approval], ['throwaway.example', true]);
    await submitStaffForm(browser, '/admin/ip_blocks', '/admin/ip_blocks', { ip: '203.0.113.7/24', severity: 'sign_up_block', comment: 'bots' });
    const [ipBlock] = await api('/api/v1/admin/ip_blocks');
    assert.deepEqual([ipBlock.ip, ipBlock.severity, ipBlock.comment], ['203.0.113.0/24', 'sign_up_block', 'bots']);
    const invalid = await submitStaffForm(browser, '/admin/ip_blocks', '/admin/ip_blocks', { ip: 'not an address', severity: 'sign_up_block' });
    assert.equal(invalid.status, 422);
    assert.match(invalid.html, /Ip is invalid/);

    await submitStaffForm(browser, '/admin/email_domain_blocks', removeButton((await browser.get('/admin/email_domain_blocks')).html, '/admin/email_domain_blocks')!);
    await submitStaffForm(browser, '/admin/ip_blocks', removeButton((await browser.get('/admin/ip_blocks')).html, '/admin/ip_blocks')!);
    assert.deepEqual(await api('/api/v1/admin/email_domain_blocks'), []);
    assert.deepEqual(await api('/api/v1/admin/ip_blocks'), []);
  });

  it('adds, edits and removes server rules, as /api/v1/instance/rules shows them', async () => {
    const rulesOf = async () => (await instance.request('GET', '/api/v1/instance/rules')).body.map((rule: { text: string; hint: string }) => [rule.text, rule.hint]);
    await submitStaffForm(browser, '/admin/rules', '/admin/rules', { text: 'No spam', hint: 'ads too' });
    assert.deepEqual(await rulesOf(), [['No spam', 'ads too']]);
    const page = await browser.get('/admin/rules');
    const ruleId = /action="\/admin\/rules\/(\d+)"/.exec(page.html)![1];
    await submitStaffForm(browser, '/admin/rules', `/admin/rules/${ruleId}`, { text: 'No spam, ever', hint: '' });
    assert.deepEqual(await rulesOf(), [['No spam, ever', '']]);
    const blank = await submitStaffForm(browser, '/admin/rules', `/admin/rules/${ruleId}`, { text: '  ' });
    assert.equal(blank.status, 422);
    await submitStaffForm(browser, '/admin/rules', `/admin/rules/${ruleId}/delete`);
    assert.deepEqual(await rulesOf(), []);
  });

  it('edits the server settings, seen by the instance API and the about page; refuses invalid values', async () => {
    const saved = await submitStaffForm(browser, '/admin/settings', '/admin/settings', {
      site_title: 'Staffed Space',
      site_short_description: 'A test server',
      site_contact_email: 'staff@example.com',
      registrations_mode: 'approved',
      trends: '',
      show_domain_blocks: 'all',
      show_domain_blocks_rationale: 'all',
      site_terms: '# Our policy\n\nWe keep little.',
    });
    assert.equal(saved.status, 303, saved.html);
    const instanceInfo = await instance.request('GET', '/api/v2/instance');
    assert.equal(instanceInfo.body.title, 'Staffed Space');
    assert.equal(instanceInfo.body.description, 'A test server');
    assert.equal(instanceInfo.body.contact.email, 'staff@example.com');
    assert.equal(instanceInfo.body.registrations.approval_required, true);
    assert.match((await instance.request('GET', '/api/v1/instance/privacy_policy')).body.content, /We keep little/);
    assert.equal((await instance.request('GET', '/api/v1/instance/domain_blocks')).status, 200);

    const form = (await browser.get('/admin/settings')).html;
    assert.match(form, /<option value="approved" selected>/);
    assert.doesNotMatch(form, /id="trends"[^>]*checked/);
    for (const [name, value] of [
      ['site_title', ' '],
      ['registrations_mode', 'everyone'],
      ['site_contact_email', 'nope'],
    ]) {
      const refused = await submitStaffForm(browser, '/admin/settings', '/admin/settings', { [name!]: value! });
      assert.equal(refused.status, 422, `${name}: ${refused.status}`);
    }
    assert.equal((await instance.request('GET', '/api/v2/instance')).body.title, 'Staffed Space');
  });

  it('shows the audit log of what was done through the pages, newest first', async () => {
    const page = await browser.get('/admin/action_logs');
    assert.equal(page.status, 200);
    const summaries = [...page.html.matchAll(/<td>([^<]+)<\/td><\/tr>/g)].map((match) => match[1]);
    assert.match(summaries[0]!, /changed the server settings/);
    for (const expected of [
      /blocked domain spam\.example \(suspend\)/,
      /blocked IP 203\.0\.113\.0\/24/,
      /added the server rule/,
      /removed the server rule/,
      /unblocked e-mail domain throwaway\.example/,
    ]) {
      assert.ok(
        summaries.some((summary) => expected.test(summary!)),
        `${expected} in the log`,
      );
    }
    assert.match(page.html, /href="\/admin\/accounts\/\d+">@admin</);
  });

  it('shows the job queues to the Owner, who retries and deletes dead jobs', async () => {
    const ownerBrowser = await signedInBrowser(instance.url, owner);
    await instance.ctx.queue.enqueue('pull', 'NoSuchWorker', { n: 1 }, { attempts: 1 });
    await instance.ctx.queue.enqueue('pull', 'NoSuchWorker', { n: 2 }, { attempts: 1 });
    await until(async () => (await instance.ctx.queue.deadJobs('pull')).length === 2, 'two dead jobs');
    const page = await ownerBrowser.get('/admin/jobs');
    assert.equal(page.status, 200);
    assert.match(page.html, /<tr><td>pull<\/td><td>\d+<\/td><td>2<\/td><\/tr>/);
    assert.match(page.html, /no handler for job NoSuchWorker/);
    const [first, second] = await instance.ctx.queue.deadJobs('pull');
    const deleted = await submitStaffForm(ownerBrowser, '/admin/jobs', '/admin/jobs/delete', { id: first!.id });
    assert.equal(deleted.status, 303, deleted.html);
    const retried = await submitStaffForm(ownerBrowser, '/admin/jobs', '/admin/jobs/retry', { id: second!.id });
    assert.equal(retried.status, 303, retried.html);
    // the retried job fails again (it has no handler) and comes back to the dead set, alone
    await until(async () => {
      const dead = await instance.ctx.queue.deadJobs('pull');
      return dead.length === 1 && dead[0]!.id !== first!.id && dead;
    }, 'the retried job is dead again, the deleted one gone');
    assert.equal((await submitStaffForm(ownerBrowser, '/admin/jobs', '/admin/jobs/delete', { id: first!.id })).status, 404);
  });

  it('lists the moderated servers on /about and at /api/v1/instance/domain_blocks as show_domain_blocks allows', async () => {
    await submitStaffForm(browser, '/admin/domain_blocks', '/admin/domain_blocks', { domain: 'nasty.example', severity: 'silence', public_comment: 'Harassment' });
    const member = await instance.createUser('curious');
    const signedIn = await signedInBrowser(instance.url, member);
    const visitor = new Browser(instance.url);
    const show = (shown: string, rationale: string) => submitStaffForm(browser, '/admin/settings', '/admin/settings', { show_domain_blocks: shown, show_domain_blocks_rationale: rationale });
    const apiStatus = async (token?: string) => (await instance.request('GET', '/api/v1/instance/domain_blocks', { token })).status;

    await show('users', 'users');
    assert.doesNotMatch((await visitor.get('/about')).html, /Moderated servers/);
    const about = (await signedIn.get('/about')).html;
    assert.match(about, /<td>nasty\.example<\/td><td>Limited<\/td><td>Harassment<\/td>/);
    assert.equal(await apiStatus(), 404);
    assert.equal(await apiStatus(member.token), 200);

    await show('all', 'users');
    assert.match((await visitor.get('/about')).html, /<td>nasty\.example<\/td><td>Limited<\/td><td><\/td>/, 'the reason only for signed-in users');
    assert.equal(await apiStatus(), 200);

    await show('disabled', 'all');
    assert.doesNotMatch((await signedIn.get('/about')).html, /Moderated servers/);
    assert.equal(await apiStatus(member.token), 404);
  });
});
