import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { users } from '../../src/db/schema.ts';
import { launchChromium, screenshotPath, seriousViolations, withoutChromium } from '../helpers/chromium.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { signedUpUser, signUp, signUpAppToken } from '../helpers/sign-up.ts';
import { webClientStartedSignIn } from '../helpers/web-client.ts';

describe('the staff web interface in Chromium: a report resolved with a suspension, a sign-up approved, accessibility', { skip: withoutChromium }, () => {
  let instance: TestInstance;
  let browser: Browser;
  let moderator: TestUser;
  let owner: TestUser;

  before(async () => {
    instance = await startInstance({ registrations: 'approved' });
    moderator = await instance.createUser('moderator', { role: 'Moderator' });
    owner = await instance.createUser('owner', { role: 'Owner' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  const snap = (page: Page, name: string) => page.screenshot({ path: screenshotPath('admin', name), fullPage: true });

  /** A page signed in through the sign-in form; `bypassCSP` lets axe be injected (the pages forbid scripts). */
  async function signedInPage(user: { email: string; password: string }, options: { bypassCSP?: boolean } = {}): Promise<{ page: Page; context: BrowserContext }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(`${instance.url}/admin/dashboard`);
    await page.waitForURL((url) => url.pathname === '/auth/sign_in');
    await page.getByLabel('E-mail address').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${instance.url}/admin/dashboard`);
    return { page, context };
  }

  it('resolves a report a member filed with a suspension, from the dashboard; the account is then hidden', async () => {
    const reporter = await instance.createUser('reporter');
    const spammer = await instance.createUser('spammer');
    const posted = await instance.request('POST', '/api/v1/statuses', { token: spammer.token, json: { status: 'Buy cheap watches' } });
    const filed = await instance.request('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: spammer.accountId, status_ids: [posted.body.id], comment: 'Spam everywhere' } });
    assert.equal(filed.status, 200, filed.text);

    const { page, context } = await signedInPage(moderator);
    await snap(page, '01-dashboard');
    await page.getByRole('link', { name: 'Open reports' }).click();
    await page.waitForURL(`${instance.url}/admin/reports`);
    await snap(page, '02-reports');
    await page.getByRole('link', { name: `#${filed.body.id}` }).click();
    await page.waitForURL(`${instance.url}/admin/reports/${filed.body.id}`);
    assert.match((await page.textContent('main')) ?? '', /Buy cheap watches/);
    assert.match((await page.textContent('main')) ?? '', /Spam everywhere/);
    await page.getByLabel('Suspend').check();
    await page.getByLabel('Warning sent to the account (optional)').fill('Your account was used for spam.');
    await snap(page, '03-report-action');
    await page.getByRole('button', { name: 'Perform action' }).click();
    await page.waitForURL(`${instance.url}/admin/reports/${filed.body.id}`);
    assert.match((await page.textContent('main')) ?? '', /Resolved/);
    await snap(page, '04-report-resolved');
    await context.close();

    const profile = await instance.request('GET', `/api/v1/accounts/${spammer.accountId}`, { token: reporter.token });
    assert.equal(profile.body.suspended, true);
    assert.equal((await instance.request('GET', `/api/v1/statuses/${posted.body.id}`, { token: reporter.token })).status, 404);
  });

  it('approves a pending sign-up from the accounts list, after which the newcomer can sign in', async () => {
    const appToken = await signUpAppToken(instance);
    assert.equal((await signUp(instance, appToken, 'newcomer', { reason: 'I like this place', password: 'newcomer password' })).status, 200);
    const user = await signedUpUser(instance, 'newcomer@example.com');
    assert.equal(user!.approved, false);
    // the address is confirmed: only the approval is missing
    await instance.ctx.db.update(users).set({ confirmedAt: new Date() }).where(eq(users.id, user!.id));

    const { page, context } = await signedInPage(moderator);
    await page.getByRole('link', { name: 'Pending sign-ups' }).click();
    await page.waitForURL(/\/admin\/accounts\?status=pending/);
    await snap(page, '05-pending-accounts');
    await page.getByRole('link', { name: '@newcomer' }).click();
    assert.match((await page.textContent('main')) ?? '', /I like this place/);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${instance.url}/admin/accounts/${user!.accountId}`);
    assert.doesNotMatch((await page.textContent('main')) ?? '', /pending approval/);
    await snap(page, '06-approved');
    await context.close();

    const newcomer = await browser.newContext();
    const signIn = await newcomer.newPage();
    await signIn.goto(`${instance.url}/auth/sign_in`);
    await signIn.getByLabel('E-mail address').fill('newcomer@example.com');
    await signIn.getByLabel('Password').fill('newcomer password');
    await signIn.getByRole('button', { name: 'Log in' }).click();
    await webClientStartedSignIn(signIn);
    const strikes = await signIn.goto(`${instance.url}/disputes/strikes`);
    assert.equal(strikes?.status(), 200, 'signed in');
    await newcomer.close();
  });

  it('has no serious or critical accessibility violations on the main staff pages', async () => {
    const { page, context } = await signedInPage(owner, { bypassCSP: true });
    const reportId = (await instance.request('GET', '/api/v1/admin/reports?resolved=true', { token: (await instance.createUser('reader', { role: 'Admin', scopes: 'admin:read' })).token })).body[0]
      ?.id;
    const pages = [
      '/admin/dashboard',
      '/admin/reports',
      ...(reportId ? [`/admin/reports/${reportId}`] : []),
      '/admin/accounts',
      `/admin/accounts/${moderator.accountId}`,
      '/admin/action_logs',
      '/admin/domain_blocks',
      '/admin/email_domain_blocks',
      '/admin/ip_blocks',
      '/admin/rules',
      '/admin/settings',
      '/admin/announcements',
      '/admin/custom_emojis',
      '/admin/jobs',
    ];
    for (const path of pages) {
      const response = await page.goto(`${instance.url}${path}`);
      assert.equal(response?.status(), 200, path);
      const violations = await seriousViolations(page);
      assert.deepEqual(violations, [], `${path}: ${JSON.stringify(violations, null, 1)}`);
      await snap(page, `a11y-${path.slice(1).replaceAll('/', '-')}`);
    }
    await context.close();
  });
});
