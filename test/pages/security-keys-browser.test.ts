import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotPath, seriousViolations, withoutChromium } from '../helpers/chromium.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';
import { mailsTo } from '../helpers/mail.ts';
import { until } from '../helpers/until.ts';

/**
 * WebAuthn's relying party is the instance's web domain, which must be a host name (never an IP
 * address) in a secure context: the instance is named `keys.test:3000`, Chromium resolves that name
 * to the instance's own loopback address and treats its plain-http origin as secure.
 */
const DOMAIN = 'keys.test:3000';
const ORIGIN = `http://${DOMAIN}`;

describe('security keys (WebAuthn) in Chromium with a virtual authenticator: enrolled from the settings, used to sign in', { skip: withoutChromium }, () => {
  let instance: TestInstance;
  let browser: Browser;
  let member: TestUser;

  before(async () => {
    const host = claimLoopbackAddress();
    instance = await startInstance({ env: { BIND: host, PORT: '3000', LOCAL_DOMAIN: DOMAIN } });
    browser = await launchChromium([`--host-resolver-rules=MAP keys.test ${host}`, `--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`]);
    member = await instance.createUser('keyholder');
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  const snap = (page: Page, name: string) => page.screenshot({ path: screenshotPath('security-keys', name), fullPage: true });
  const mainText = async (page: Page) => (await page.textContent('main')) ?? '';
  /** axe-core's serious and critical findings on the page as it is (none expected). */
  const accessible = async (page: Page) =>
    assert.deepEqual(
      (await seriousViolations(page)).map((violation) => `${violation.id}: ${violation.help}`),
      [],
      page.url(),
    );

  async function logIn(page: Page, returnTo: string) {
    await page.goto(`${ORIGIN}/auth/sign_in?return_to=${encodeURIComponent(returnTo)}`);
    await page.getByLabel('E-mail address').fill(member.email);
    await page.getByLabel('Password').fill(member.password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  it('adds a key after turning on the authenticator app, signs out, and signs in with the key', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });

    await logIn(page, '/settings/otp_authentication');
    await page.waitForURL(`${ORIGIN}/settings/otp_authentication`);
    await accessible(page);
    const secret = (await page.textContent('#otp_secret'))!.trim();
    await page.getByLabel('Two-factor code').fill(await generate({ secret }));
    await page.getByLabel('Current password').fill(member.password);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Two-factor authentication is now on.').waitFor();
    await accessible(page);
    await page.goto(`${ORIGIN}/settings/two_factor_authentication_methods`);
    await accessible(page);

    await accessible(page);
    const keysPage = await page.goto(`${ORIGIN}/settings/security_keys`);
    const policy = keysPage!.headers()['content-security-policy'] ?? '';
    assert.match(policy, /script-src 'self'/, 'the script of this site only');
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    await accessible(page);
    await page.getByLabel('Nickname').fill('Desk key');
    await snap(page, '01-add-key');
    await page.getByRole('button', { name: 'Add security key' }).click();
    await page.waitForURL(`${ORIGIN}/settings/security_keys?added=1`);
    assert.match(await mainText(page), /Your security key was successfully added/);
    assert.match(await mainText(page), /Desk key/);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator made one credential');
    await snap(page, '02-key-added');

    // signed out: the browser forgets its session, the authenticator keeps its key
    await context.clearCookies();
    await logIn(page, '/auth/edit');
    await page.getByRole('button', { name: 'Use security key' }).waitFor();
    await snap(page, '03-second-step');
    await accessible(page);
    await page.getByRole('button', { name: 'Use security key' }).click();
    await page.waitForURL(`${ORIGIN}/auth/edit`);
    assert.match(await mainText(page), /Current session/);
    const [after] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    assert.ok(after!.signCount >= 1, 'the key signed');

    await page.goto(`${ORIGIN}/settings/login_activities`);
    const history = await mainText(page);
    assert.match(history, /Successful\s*security key/);
    await accessible(page);
    await snap(page, '04-history');

    // removed, it no longer signs anyone in: the second step offers codes only
    await page.goto(`${ORIGIN}/settings/security_keys`);
    await page.getByRole('button', { name: 'Delete Desk key' }).click();
    await page.getByText('Your security key was successfully deleted.').waitFor();
    await context.clearCookies();
    await logIn(page, '/auth/edit');
    await page.getByLabel('Two-factor code').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Use security key' }).count(), 0);
    const subjects = () => mailsTo(instance.dataDir, member.email).map((mail) => /^Subject: (.*)$/m.exec(mail)?.[1]?.trim() ?? '');
    await until(
      async () => ['Subspace: Security key authentication enabled', 'Subspace: Security key authentication disabled'].every((subject) => subjects().includes(subject)) || undefined,
      'the mails about the key',
    );
    await context.close();
  });
});
