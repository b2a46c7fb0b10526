import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { users } from '../../src/db/schema.ts';
import { buildClient, clientBuildIsStale } from '../../src/roles/client-build.ts';
import { startInstance, type TestInstance, type TestInstanceOptions, type TestUser } from './instance.ts';
import { claimLoopbackAddress } from './loopback.ts';
import { waitForMailLink } from './mail.ts';

export { CHROMIUM, launchChromium, withoutChromium as chromiumMissing, seriousViolations as seriousAccessibilityViolations, type AxeViolation } from './chromium.ts';

/** The built client (client/dist), built first when missing or older than its sources. */
export async function ensureClientBuild(): Promise<void> {
  if (clientBuildIsStale()) await buildClient();
}

/**
 * An instance a browser can use as its members do: named by the address and port it listens on
 * (a loopback address of this test file's own), so that its URLs and streaming URL lead back to it.
 */
export async function startBrowsableInstance(options: TestInstanceOptions = {}): Promise<TestInstance> {
  const host = claimLoopbackAddress();
  return startInstance({ ...options, env: { BIND: host, PORT: '3000', LOCAL_DOMAIN: `${host}:3000`, ...options.env } });
}

/** Signs `user` in through the client: its Sign in button, the instance's sign-in and consent pages (OAuth with PKCE), back at /home. */
export async function signInThroughClient(page: Page, instance: TestInstance, user: TestUser): Promise<void> {
  await page.goto(`${instance.url}/home`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/oauth/authorize');
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  // the instance's own client is authorized without a consent page
  await signedInAtHome(page);
}

/**
 * After the sign-in form sent the browser to /home: the client there starts its own OAuth flow (a
 * navigation of its own to /oauth/authorize), which a test that goes elsewhere at once would race.
 * Waits until that page has loaded (an instance not started by startBrowsableInstance stops there:
 * its client's redirect URI names LOCAL_DOMAIN).
 */
export async function webClientStartedSignIn(page: Page): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/oauth/authorize');
}

async function signedInAtHome(page: Page) {
  await page.waitForURL((url) => url.pathname === '/home');
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

/**
 * A visitor becomes a member as the acceptance flow has it: from the client's signed-out
 * page to the sign-up form, the confirmation link in the mail, the sign-in page, and back in the
 * client at /home. `shoot` is called after each step. Answers the member, with the client's token.
 */
export async function signUpThroughClient(
  page: Page,
  instance: TestInstance,
  member: { username: string; email: string; password: string },
  shoot: (step: string) => Promise<void>,
): Promise<TestUser> {
  await page.goto(`${instance.url}/home`);
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/auth/sign_up');
  await page.getByLabel('Username').fill(member.username);
  await page.getByLabel('E-mail address').fill(member.email);
  await page.getByLabel('Password', { exact: true }).fill(member.password);
  await page.getByLabel('Confirm password').fill(member.password);
  await page.getByRole('checkbox').check();
  await shoot('sign-up-form');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL((url) => url.pathname === '/auth/sign_up/done');
  await shoot('check-your-inbox');

  await page.goto(`${instance.url}${await waitForMailLink(instance.dataDir, member.email, '/auth/confirmation')}`);
  await page.getByText('successfully confirmed').waitFor();
  await shoot('confirmed');
  await page.getByRole('link', { name: 'Log in' }).click();
  await page.getByLabel('E-mail address').fill(member.email);
  await page.getByLabel('Password').fill(member.password);
  await shoot('sign-in');
  await page.getByRole('button', { name: 'Log in' }).click();
  // signed in on the instance, the client authorizes itself on its own
  await signedInAtHome(page);
  await shoot('signed-in');

  const token = (await page.evaluate(() => localStorage.getItem('subspace.token')))!;
  const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
  const [user] = await instance.ctx.db.select({ id: users.id }).from(users).where(eq(users.accountId, me.body.id));
  return { ...member, token, accountId: me.body.id, userId: user!.id };
}

/** A PNG of one color, for uploads. */
export function pngImage(color: { r: number; g: number; b: number }, size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/** Screenshots kept as the test's artefacts, under test-artifacts/screenshots/<name>/ (git-ignored). */
export function screenshotTaker(name: string) {
  const dir = join(new URL('../../test-artifacts/screenshots/', import.meta.url).pathname, name);
  // this run's screenshots only
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let count = 0;
  return {
    dir,
    async take(page: Page, step: string) {
      const path = join(dir, `${String(++count).padStart(2, '0')}-${step}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
  };
}
