import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

/** `skip` for a browser test's describe(): false, or why it cannot run here. */
export const withoutChromium: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package to run the browser tests (CI does)`;

/** `extraArgs`: more command-line switches (a host name mapped to a test instance's address, say). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core on the page as it is for WCAG 2.x A and AA (and best practices) and answers its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  return (await axeViolations(page)).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // evaluated through the DevTools protocol: a page's Content-Security-Policy may admit no inline script
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
    }));
  });
}

/** Where browser tests keep their screenshots (git-ignored), created on first use. */
export function screenshotPath(suite: string, name: string): string {
  const dir = new URL(`../../test-artifacts/screenshots/${suite}`, import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
