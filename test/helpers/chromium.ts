import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

/** `skip` for a browser test's describe(): false, or why it cannot run here. */
export const withoutChromium: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package to run the browser tests (CI does)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const AXE = new URL('../../node_modules/axe-core/axe.min.js', import.meta.url).pathname;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page for WCAG 2.x A and AA (and best practices) and answers its serious and
 * critical violations. The page's Content-Security-Policy forbids scripts: the page's context must
 * be opened with `bypassCSP` for axe to be injected.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  return (await axeViolations(page)).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
    }));
  });
  return violations;
}

/** Where browser tests keep their screenshots (git-ignored), created on first use. */
export function screenshotPath(suite: string, name: string): string {
  const dir = new URL(`../../test-artifacts/screenshots/${suite}`, import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
