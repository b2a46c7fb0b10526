import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { addRule } from '../../src/services/instance/rules.ts';
import { type AxeViolation, launchChromium, screenshotPath, seriousViolations, withoutChromium } from '../helpers/chromium.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { waitForMailLink } from '../helpers/mail.ts';
import { requestPasswordReset } from '../../src/services/accounts/password-reset.ts';

const describeViolations = (violations: AxeViolation[]) =>
  violations
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help}\n${violation.nodes.map((node) => `  ${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('\n')}`)
    .join('\n');

describe('the public and account pages pass axe-core in Chromium', { skip: withoutChromium }, () => {
  let instance: TestInstance;
  let alice: TestUser;
  let browser: Browser;
  const ids: Record<string, string> = {};

  before(async () => {
    instance = await startInstance({ registrations: 'approved' });
    alice = await instance.createUser('alice');
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, json: { display_name: 'Alice', note: 'Writes about #x' } });
    await addRule(instance.ctx, { text: 'Be kind', hint: 'No harassment of any kind.' });
    const post = async (json: Record<string, unknown>) => {
      const response = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json });
      assert.equal(response.status, 200, response.text);
      return response.body.id as string;
    };
    ids.root = await post({ status: 'Hello #x, with a link https://example.com' });
    ids.cw = await post({ status: 'Behind a warning #x', spoiler_text: 'Spoilers' });
    ids.reply = await post({ status: '@alice replying to myself', in_reply_to_id: ids.root });
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const upload = async () => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'square.png');
      form.append('description', 'A blue square');
      const response = await fetch(`${instance.url}/api/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
      return ((await response.json()) as { id: string }).id;
    };
    ids.media = await post({ status: 'A picture #x', media_ids: [await upload()] });
    ids.sensitive = await post({ status: 'A sensitive picture', media_ids: [await upload()], sensitive: true });
    await requestPasswordReset(instance.ctx, alice.email);
    ids.resetLink = await waitForMailLink(instance.dataDir, alice.email, '/auth/password/edit');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  const pages = () => [
    '/',
    '/about',
    '/privacy-policy',
    '/explore',
    '/@alice',
    `/@alice/${ids.root}`,
    `/@alice/${ids.media}`,
    `/@alice/${ids.sensitive}`,
    '/tags/x',
    '/auth/sign_in',
    '/auth/sign_up',
    '/auth/password/new',
    '/auth/confirmation/new',
    ids.resetLink!,
  ];

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`finds no serious or critical violation on the main pages (${colorScheme} theme)`, async () => {
      const context: BrowserContext = await browser.newContext({ bypassCSP: true, colorScheme });
      try {
        const found: string[] = [];
        // one tab, navigated from page to page: each is a document of its own, checked as loaded
        const page = await context.newPage();
        for (const path of pages()) {
          const response = await page.goto(`${instance.url}${path}`);
          assert.equal(response?.status(), 200, path);
          const violations = await seriousViolations(page);
          if (violations.length > 0) {
            await page.screenshot({ path: screenshotPath('accessibility', `${colorScheme}${path.replace(/\W+/g, '-')}`), fullPage: true });
            found.push(`${path}\n${describeViolations(violations)}`);
          }
        }
        // the sign-up form showing its errors
        await page.goto(`${instance.url}/auth/sign_up`);
        await page.fill('#username', 'bad name!');
        await page.click('button[type=submit]');
        await page.locator('.field-error').first().waitFor();
        const violations = await seriousViolations(page);
        if (violations.length > 0) found.push(`/auth/sign_up with errors\n${describeViolations(violations)}`);
        assert.deepEqual(found, [], found.join('\n\n'));
      } finally {
        await context.close();
      }
    });
  }
});
