import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { buildClient, clientBuildIsStale } from '../../src/roles/client-build.ts';
import { startInstance, type TestInstance, type TestInstanceOptions, type TestUser } from './instance.ts';
import { claimLoopbackAddress } from './loopback.ts';

/** Debian's Chromium, driven by playwright-core (which never downloads a browser here). */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package to run the browser tests (CI does)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

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
  await page.locator('button[value=approve]').click();
  await page.waitForURL((url) => url.pathname === '/home');
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
}

/** A PNG of one color, for uploads. */
export function pngImage(color: { r: number; g: number; b: number }, size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: color } })
    .png()
    .toBuffer();
}

const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's WCAG 2.x A and AA checks on the page as it is; the serious and critical violations. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // evaluated through the DevTools protocol: the page's Content-Security-Policy admits no inline script
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
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
