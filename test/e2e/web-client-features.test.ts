import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { saveLocalEmoji } from '../../src/services/emojis/local-emojis.ts';
import type { TestInstance, TestUser } from '../helpers/instance.ts';
import { until } from '../helpers/until.ts';
import { chromiumMissing, ensureClientBuild, launchChromium, pngImage, screenshotTaker, seriousAccessibilityViolations, signInThroughClient, startBrowsableInstance } from '../helpers/web-client.ts';

/**
 * The web client's other features in Chromium: editing with its history, delete-and-redraft,
 * suggestions, language and focus point in the composer, follow requests, blocks and mutes, lists,
 * filters, direct messages and preferences. Dora's account is locked; Erin's is not.
 * Screenshots under test-artifacts/screenshots/web-client-features/.
 */
describe('the web client, its other features in Chromium', { skip: chromiumMissing }, () => {
  let instance: TestInstance;
  let browser: Browser;
  let dora: TestUser;
  let erin: TestUser;
  let doraContext: BrowserContext;
  let erinContext: BrowserContext;
  let doraPage: Page;
  let erinPage: Page;
  const screenshots = screenshotTaker('web-client-features');
  const shoot = async (page: Page, step: string) => console.log(`screenshot: ${await screenshots.take(page, step)}`);
  const statusWith = (page: Page, text: string): Locator => page.locator('article.status', { hasText: text }).first();
  const composer = (page: Page) => page.getByRole('form', { name: 'New post' });
  const api = async (method: string, path: string, user: TestUser, json?: unknown) => {
    const response = await instance.request(method, path, { token: user.token, json });
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };
  const open = async (page: Page, path: string, heading: string) => {
    await page.goto(`${instance.url}${path}`);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
  };

  before(async () => {
    await ensureClientBuild();
    [instance, browser] = await Promise.all([startBrowsableInstance(), launchChromium()]);
    [dora, erin] = await Promise.all([instance.createUser('dora'), instance.createUser('erin')]);
    await api('PATCH', '/api/v1/accounts/update_credentials', dora, { locked: true });
    await saveLocalEmoji(instance.ctx, { shortcode: 'blobcat', bytes: await pngImage({ r: 0, g: 200, b: 0 }, 16) });
    doraContext = await browser.newContext({ colorScheme: 'light' });
    erinContext = await browser.newContext({ colorScheme: 'dark' });
    doraPage = await doraContext.newPage();
    erinPage = await erinContext.newPage();
    await signInThroughClient(doraPage, instance, dora);
    await signInThroughClient(erinPage, instance, erin);
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  it('edits a post, shows its edit history, and deletes and redrafts it', async () => {
    await composer(doraPage).getByLabel("What's on your mind?").fill('First version of a post');
    await composer(doraPage).getByRole('button', { name: 'Post' }).click();
    const post = statusWith(doraPage, 'First version of a post');
    await post.getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = post.getByRole('form', { name: 'Edit post' });
    // the source text, not the HTML
    await edit.getByLabel('Edit your post').and(doraPage.locator(':enabled')).waitFor();
    assert.equal(await edit.getByLabel('Edit your post').inputValue(), 'First version of a post');
    await edit.getByLabel('Edit your post').fill('Second version of a post');
    await edit.getByRole('button', { name: 'Save' }).click();
    const edited = statusWith(doraPage, 'Second version of a post');
    await edited.getByRole('button', { name: 'Edited' }).click();
    const history = edited.getByRole('region', { name: 'Edit history' });
    await history.getByText('First version of a post').waitFor();
    await history.getByText('Second version of a post').waitFor();
    assert.equal(await history.locator('li').count(), 2);
    await shoot(doraPage, 'dora-edit-history');

    const id = await edited.getAttribute('data-status-id');
    doraPage.once('dialog', (dialog) => void dialog.accept());
    await edited.getByRole('button', { name: 'Delete & redraft' }).click();
    // (the stream's `delete` may take the post off the timeline before the redraft comes back)
    await until(async () => (await composer(doraPage).getByLabel("What's on your mind?").inputValue()) === 'Second version of a post', 'the deleted post in the composer');
    await edited.waitFor({ state: 'detached' });
    await shoot(doraPage, 'dora-redrafts');
    await composer(doraPage).getByLabel("What's on your mind?").fill('Third version, redrafted');
    await composer(doraPage).getByRole('button', { name: 'Post' }).click();
    await statusWith(doraPage, 'Third version, redrafted').waitFor();
    assert.equal((await instance.request('GET', `/api/v1/statuses/${id}`, { token: dora.token })).status, 404);
  });

  it('suggests accounts, hashtags and custom emoji while composing, and posts in the chosen language with a focus point', async () => {
    await api('POST', '/api/v1/statuses', erin, { status: 'Tagging #gardening' });
    const text = composer(doraPage).getByLabel("What's on your mind?");
    const suggestions = composer(doraPage).getByRole('listbox', { name: 'Suggestions' });
    await text.fill('');
    await text.pressSequentially('Hello @eri');
    await suggestions.getByRole('option', { name: /@erin/ }).waitFor();
    await shoot(doraPage, 'dora-mention-suggestion');
    await text.press('Enter');
    assert.equal(await text.inputValue(), 'Hello @erin ');
    await text.pressSequentially('#garde');
    await suggestions.getByRole('option', { name: '#gardening' }).click();
    assert.equal(await text.inputValue(), 'Hello @erin #gardening ');
    await text.pressSequentially(':blobc');
    await suggestions.getByRole('option', { name: ':blobcat:' }).waitFor();
    await text.press('Tab');
    assert.equal(await text.inputValue(), 'Hello @erin #gardening :blobcat: ');

    await composer(doraPage).getByLabel('Language').focus();
    await composer(doraPage).getByLabel('Language').locator('option[value="de"]').waitFor({ state: 'attached' });
    await composer(doraPage).getByLabel('Language').selectOption('de');
    await composer(doraPage)
      .getByLabel('Add media')
      .setInputFiles({ name: 'green.png', mimeType: 'image/png', buffer: await pngImage({ r: 20, g: 160, b: 60 }) });
    await composer(doraPage).getByLabel('Alt text for attachment 1').fill('A green square');
    await composer(doraPage).getByLabel('Across (−1 left, 1 right)').fill('0.5');
    await composer(doraPage).getByLabel('Up (−1 bottom, 1 top)').fill('-0.25');
    await shoot(doraPage, 'dora-composes-with-focus');
    await composer(doraPage).getByRole('button', { name: 'Post' }).click();
    await composer(doraPage).getByRole('status').filter({ hasText: 'Posted.' }).waitFor();

    const [posted] = await api('GET', `/api/v1/accounts/${dora.accountId}/statuses?limit=1`, dora);
    assert.equal(posted.language, 'de');
    assert.deepEqual(
      posted.mentions.map((m: { acct: string }) => m.acct),
      ['erin'],
    );
    assert.deepEqual(
      posted.emojis.map((e: { shortcode: string }) => e.shortcode),
      ['blobcat'],
    );
    assert.equal(posted.media_attachments[0].description, 'A green square');
    assert.deepEqual(posted.media_attachments[0].meta.focus, { x: 0.5, y: -0.25 });
  });

  it('asks to follow a locked account, which accepts the request', async () => {
    await open(erinPage, `/web/accounts/${dora.accountId}`, 'dora');
    await erinPage.getByRole('button', { name: 'Request to follow' }).click();
    await erinPage.getByRole('button', { name: 'Cancel follow request' }).waitFor();

    await doraPage.reload();
    await doraPage.getByRole('link', { name: 'Follow requests' }).click();
    await doraPage.getByRole('heading', { name: 'Follow requests', level: 1 }).waitFor();
    await shoot(doraPage, 'dora-follow-requests');
    await doraPage.getByRole('button', { name: 'Accept @erin' }).click();
    await doraPage.getByText('No one asks to follow you.').waitFor();
    const [relationship] = await api('GET', `/api/v1/accounts/relationships?id[]=${dora.accountId}`, erin);
    assert.equal(relationship.following, true);
  });

  it('mutes and blocks from a profile, and lists and undoes them', async () => {
    await open(erinPage, `/web/accounts/${dora.accountId}`, 'dora');
    await erinPage.getByRole('button', { name: 'Mute', exact: true }).click();
    await erinPage.getByRole('button', { name: 'Unmute' }).waitFor();
    erinPage.once('dialog', (dialog) => void dialog.accept());
    await erinPage.getByRole('button', { name: 'Block', exact: true }).click();
    await erinPage.getByRole('button', { name: 'Unblock' }).waitFor();
    await shoot(erinPage, 'erin-blocks-dora');
    const [relationship] = await api('GET', `/api/v1/accounts/relationships?id[]=${dora.accountId}`, erin);
    assert.equal(relationship.blocking, true);
    assert.equal(relationship.muting, true);

    await erinPage.getByRole('link', { name: 'Blocked users' }).click();
    await erinPage.getByRole('heading', { name: 'Blocked users', level: 1 }).waitFor();
    await erinPage.getByRole('button', { name: 'Unblock @dora' }).click();
    await erinPage.getByText('You have not blocked anyone.').waitFor();
    await erinPage.getByRole('link', { name: 'Muted users' }).click();
    await erinPage.getByRole('heading', { name: 'Muted users', level: 1 }).waitFor();
    await shoot(erinPage, 'erin-mutes');
    await erinPage.getByRole('button', { name: 'Unmute @dora' }).click();
    await erinPage.getByText('You have not muted anyone.').waitFor();
    const [after] = await api('GET', `/api/v1/accounts/relationships?id[]=${dora.accountId}`, erin);
    assert.equal(after.blocking, false);
    assert.equal(after.muting, false);
  });

  it('makes, renames and deletes a list, and adds and removes its members', async () => {
    await api('POST', `/api/v1/accounts/${erin.accountId}/follow`, dora);
    await open(doraPage, '/web/lists', 'Lists');
    await doraPage.getByLabel('New list title').fill('Close friends');
    await doraPage.getByRole('button', { name: 'Create list' }).click();
    await doraPage.getByRole('button', { name: 'Rename Close friends' }).click();
    await doraPage.getByLabel('New title for Close friends').fill('Closest friends');
    await doraPage.getByRole('button', { name: 'Save' }).click();
    await doraPage.getByRole('link', { name: 'Closest friends' }).click();
    await doraPage.getByRole('heading', { name: 'Closest friends', level: 1 }).waitFor();
    await doraPage.getByText('Members (0)').click();
    await doraPage.getByLabel('Add people you follow').fill('erin');
    await doraPage.getByRole('button', { name: 'Find' }).click();
    await doraPage.getByRole('button', { name: 'Add @erin to the list' }).click();
    await doraPage.getByText('Members (1)').waitFor();
    await shoot(doraPage, 'dora-list-members');
    const [list] = await api('GET', '/api/v1/lists', dora);
    assert.equal(list.title, 'Closest friends');
    assert.deepEqual(
      (await api('GET', `/api/v1/lists/${list.id}/accounts`, dora)).map((a: { id: string }) => a.id),
      [erin.accountId],
    );
    await doraPage.getByRole('button', { name: 'Remove @erin from the list' }).click();
    await doraPage.getByText('Members (0)').waitFor();
    assert.deepEqual(await api('GET', `/api/v1/lists/${list.id}/accounts`, dora), []);

    await open(doraPage, '/web/lists', 'Lists');
    doraPage.once('dialog', (dialog) => void dialog.accept());
    await doraPage.getByRole('button', { name: 'Delete Closest friends' }).click();
    await doraPage.getByText('You have no lists yet.').waitFor();
    assert.deepEqual(await api('GET', '/api/v1/lists', dora), []);
  });

  it('filters posts behind a warning or hides them, as the filter says, and edits and deletes filters', async () => {
    await open(doraPage, '/web/filters', 'Filters');
    const form = doraPage.getByRole('form', { name: 'New filter' });
    await form.getByLabel('Title').fill('Dragons');
    await form.getByLabel('Keywords (one a line)').fill('dragon\nwyrm');
    await form.getByRole('button', { name: 'Add filter' }).click();
    await doraPage.getByRole('article', { name: 'Filter Dragons' }).waitFor();
    await shoot(doraPage, 'dora-filters');
    const [filter] = await api('GET', '/api/v2/filters', dora);
    assert.deepEqual(filter.context.sort(), ['home', 'public', 'thread']);
    assert.equal(filter.filter_action, 'warn');
    assert.deepEqual(filter.keywords.map((k: { keyword: string }) => k.keyword).sort(), ['dragon', 'wyrm']);

    await api('POST', '/api/v1/statuses', erin, { status: 'A dragon appears' });
    await api('POST', '/api/v1/statuses', erin, { status: 'A quiet day' });
    await open(doraPage, '/home', 'Home');
    await statusWith(doraPage, 'A quiet day').waitFor();
    const warned = doraPage.getByRole('article', { name: 'Filtered post' });
    await warned.getByText('Filtered: Dragons').waitFor();
    assert.equal(await doraPage.getByText('A dragon appears').count(), 0);
    await shoot(doraPage, 'dora-filtered-warning');
    await warned.getByRole('button', { name: 'Show anyway' }).click();
    await statusWith(doraPage, 'A dragon appears').waitFor();

    await open(doraPage, '/web/filters', 'Filters');
    await doraPage.getByRole('button', { name: 'Edit Dragons' }).click();
    const edit = doraPage.getByRole('form', { name: 'Edit filter Dragons' });
    await edit.getByLabel('Keywords (one a line)').fill('dragon');
    await edit.getByLabel('hidden completely').check();
    await edit.getByRole('button', { name: 'Save filter' }).click();
    await doraPage.getByRole('article', { name: 'Filter Dragons' }).getByText('Hidden in').waitFor();
    const [changed] = await api('GET', '/api/v2/filters', dora);
    assert.equal(changed.filter_action, 'hide');
    assert.deepEqual(
      changed.keywords.map((k: { keyword: string }) => k.keyword),
      ['dragon'],
    );
    await open(doraPage, '/home', 'Home');
    await statusWith(doraPage, 'A quiet day').waitFor();
    assert.equal(await doraPage.getByText('A dragon appears').count(), 0);
    assert.equal(await doraPage.getByText('Filtered: Dragons').count(), 0);

    await open(doraPage, '/web/filters', 'Filters');
    doraPage.once('dialog', (dialog) => void dialog.accept());
    await doraPage.getByRole('button', { name: 'Delete Dragons' }).click();
    await doraPage.getByText('You have no filters.').waitFor();
    assert.deepEqual(await api('GET', '/api/v2/filters', dora), []);
  });

  it('shows direct messages, live', async () => {
    await open(doraPage, '/web/conversations', 'Direct messages');
    await api('POST', '/api/v1/statuses', erin, { status: '@dora the secret plan', visibility: 'direct' });
    const conversation = doraPage.getByRole('region', { name: 'With @erin' });
    await conversation.getByText('the secret plan').waitFor();
    await shoot(doraPage, 'dora-direct-messages');
  });

  it('keeps the posting preferences with the account, and the composer starts from them', async () => {
    await open(doraPage, '/web/settings/preferences', 'Preferences');
    await doraPage.getByLabel('Default visibility of posts').selectOption('private');
    await doraPage.getByLabel('Default language of posts').focus();
    await doraPage.getByLabel('Default language of posts').locator('option[value="fr"]').waitFor({ state: 'attached' });
    await doraPage.getByLabel('Default language of posts').selectOption('fr');
    await doraPage.getByLabel('Always mark media as sensitive').check();
    await doraPage.getByRole('button', { name: 'Save preferences' }).click();
    await doraPage.getByText('Your preferences are saved.').waitFor();
    await shoot(doraPage, 'dora-preferences');
    const me = await api('GET', '/api/v1/accounts/verify_credentials', dora);
    assert.deepEqual([me.source.privacy, me.source.language, me.source.sensitive], ['private', 'fr', true]);

    // a composer without a draft of its own starts from them
    await doraPage.evaluate(() => localStorage.removeItem('subspace.draft'));
    await doraPage.reload();
    await composer(doraPage).getByLabel('Visibility').waitFor();
    assert.equal(await composer(doraPage).getByLabel('Visibility').inputValue(), 'private');
    assert.equal(await composer(doraPage).getByLabel('Language').inputValue(), 'fr');
  });

  it('has no serious or critical accessibility violations on these views (axe-core)', async () => {
    const views: [string, string][] = [
      ['/web/filters', 'Filters'],
      ['/web/blocks', 'Blocked users'],
      ['/web/mutes', 'Muted users'],
      ['/web/follow_requests', 'Follow requests'],
      ['/web/conversations', 'Direct messages'],
      ['/web/settings/preferences', 'Preferences'],
      ['/web/lists', 'Lists'],
      [`/web/accounts/${erin.accountId}`, 'erin'],
    ];
    const found: string[] = [];
    for (const page of [doraPage, erinPage]) {
      for (const [path, heading] of views) {
        await open(page, path, heading);
        for (const violation of await seriousAccessibilityViolations(page)) {
          found.push(`${path}: ${violation.impact} ${violation.id}: ${violation.help} at ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
      }
    }
    // the composer with its suggestions open, and an edit with its history
    await open(doraPage, '/home', 'Home');
    await composer(doraPage).getByLabel("What's on your mind?").pressSequentially('@er');
    await composer(doraPage).getByRole('option', { name: /@erin/ }).waitFor();
    for (const violation of await seriousAccessibilityViolations(doraPage)) found.push(`composer: ${violation.impact} ${violation.id}: ${violation.help}`);
    assert.deepEqual(found, []);
  });
});
