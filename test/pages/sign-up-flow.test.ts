import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshotPath, withoutChromium } from '../helpers/chromium.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { waitForMailLink } from '../helpers/mail.ts';
import { webClientStartedSignIn } from '../helpers/web-client.ts';

describe('a visitor signs up, confirms the address from the mail, and signs in, in Chromium', { skip: withoutChromium }, () => {
  let instance: TestInstance;
  let browser: Browser;
  let context: BrowserContext;

  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    browser = await launchChromium();
    context = await browser.newContext();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await instance?.close();
  });

  let step = 0;
  const snap = (page: Page, name: string) => page.screenshot({ path: screenshotPath('sign-up-flow', `${String(++step).padStart(2, '0')}-${name}`), fullPage: true });

  it('goes from the landing page to a signed-in session, through the form, the mail and the sign-in page', async () => {
    const page = await context.newPage();
    await page.goto(`${instance.url}/`);
    await snap(page, 'landing');
    await page.getByRole('link', { name: 'Create account' }).first().click();
    await page.waitForURL(`${instance.url}/auth/sign_up`);

    // a first try with mismatched passwords is sent back with the error next to the field
    await page.getByLabel('Username').fill('newcomer');
    await page.getByLabel('E-mail address').fill('newcomer@example.com');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a different password');
    await page.getByRole('checkbox').check();
    await snap(page, 'sign-up-form');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('#password_confirmation-error').waitFor();
    assert.equal(await page.getByLabel('Confirm password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Username').inputValue(), 'newcomer', 'what was typed is kept');
    await snap(page, 'sign-up-errors');

    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByLabel('Confirm password').fill('a long enough password');
    await page.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${instance.url}/auth/sign_up/done`);
    assert.match((await page.textContent('h1')) ?? '', /Check your inbox/);
    await snap(page, 'check-your-inbox');

    const link = await waitForMailLink(instance.dataDir, 'newcomer@example.com', '/auth/confirmation');
    await page.goto(`${instance.url}${link}`);
    assert.match((await page.textContent('main')) ?? '', /successfully confirmed/);
    await snap(page, 'confirmed');

    await page.getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL(`${instance.url}/auth/sign_in`);
    await page.getByLabel('E-mail address').fill('newcomer@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await snap(page, 'sign-in');
    await page.getByRole('button', { name: 'Log in' }).click();
    await webClientStartedSignIn(page);

    // signed in: a page only members see opens instead of sending the browser to sign in
    const settings = await page.goto(`${instance.url}/settings/migration`);
    assert.equal(settings?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/settings/migration');
    await snap(page, 'signed-in');
    await page.close();
  });
});
