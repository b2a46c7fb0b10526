import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { TestInstance, TestUser } from '../helpers/instance.ts';
import {
  chromiumMissing,
  ensureClientBuild,
  launchChromium,
  pngImage,
  screenshotTaker,
  seriousAccessibilityViolations,
  signInThroughClient,
  signUpThroughClient,
  startBrowsableInstance,
} from '../helpers/web-client.ts';

/**
 * The web client (client/, served at /home) in Chromium, through the real HTTP server and streaming
 * API: two members in two browser contexts, each signed in through the client's OAuth flow (the
 * first one a visitor who signs up, confirms the address from the mail, and signs in).
 * Screenshots of every step are written under test-artifacts/screenshots/web-client/.
 */
describe('the web client, two members in Chromium', { skip: chromiumMissing }, () => {
  let instance: TestInstance;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceContext: BrowserContext;
  let bobContext: BrowserContext;
  let alicePage: Page;
  let bobPage: Page;
  const screenshots = screenshotTaker('web-client');
  const policyViolations: string[] = [];

  const shoot = async (page: Page, step: string) => {
    const path = await screenshots.take(page, step);
    console.log(`screenshot: ${path}`);
  };
  const watchConsole = (page: Page) =>
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) policyViolations.push(message.text());
    });
  const statusWith = (page: Page, text: string): Locator => page.locator('article.status', { hasText: text }).first();
  /** a status as posted (not a boost of it, nor a reply that kept its content warning) */
  const entry = (page: Page, id: string): Locator => page.locator(`article[data-entry-id="${id}"]`);
  let postId: string;

  before(async () => {
    await ensureClientBuild();
    [instance, browser] = await Promise.all([startBrowsableInstance({ registrations: 'open' }), launchChromium()]);
    [bob, carol] = await Promise.all([instance.createUser('bob'), instance.createUser('carol')]);
    aliceContext = await browser.newContext({ colorScheme: 'light' });
    bobContext = await browser.newContext({ colorScheme: 'dark' });
    // the test keeps a hand on Bob's WebSockets, to cut the streaming connection
    await bobContext.addInitScript(() => {
      const sockets: WebSocket[] = [];
      (window as unknown as { sockets: WebSocket[] }).sockets = sockets;
      window.WebSocket = class extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          sockets.push(this);
        }
      };
    });
    alicePage = await aliceContext.newPage();
    bobPage = await bobContext.newPage();
    watchConsole(alicePage);
    watchConsole(bobPage);
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  it('signs a visitor up, confirms the address from the mail, and signs her in to the client (OAuth with PKCE, no consent page)', async () => {
    await alicePage.goto(`${instance.url}/home`);
    await alicePage.getByRole('button', { name: 'Sign in' }).waitFor();
    await shoot(alicePage, 'signed-out');
    alice = await signUpThroughClient(alicePage, instance, { username: 'alice', email: 'alice@example.com', password: 'curiouser and curiouser' }, (step) => shoot(alicePage, step));
    await signInThroughClient(bobPage, instance, bob);
    await shoot(alicePage, 'alice-home');
    assert.match((await alicePage.locator('.signed-in-as').textContent()) ?? '', /@alice/);
    // the token the client got works as any app's
    const token = await alicePage.evaluate(() => localStorage.getItem('subspace.token'));
    const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: token! });
    assert.equal(me.body.username, 'alice');
  });

  it("leads from the public pages' sign-in link to the client", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    watchConsole(page);
    await page.goto(`${instance.url}/`);
    await page.locator('a[href="/auth/sign_in"]').first().click();
    await page.fill('#email', carol.email);
    await page.fill('#password', carol.password);
    await page.click('button[type=submit]');
    // signed in on the instance, the client goes straight on to its authorization, which needs no consent
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    assert.match((await page.locator('.signed-in-as').textContent()) ?? '', /@carol/);
    await context.close();
  });

  it('follows from the profile page', async () => {
    await bobPage.goto(`${instance.url}/web/accounts/${alice.accountId}`);
    await bobPage.getByRole('button', { name: 'Follow', exact: true }).click();
    await bobPage.getByRole('button', { name: 'Unfollow' }).waitFor();
    await shoot(bobPage, 'bob-follows-alice');
    const [relationship] = (await instance.request('GET', `/api/v1/accounts/relationships?id[]=${alice.accountId}`, { token: bob.token })).body;
    assert.equal(relationship.following, true);
    await bobPage.getByRole('link', { name: 'Home', exact: true }).click();
    await bobPage.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  });

  it("posts with media, alt text and a content warning, and the follower's home timeline shows it live", async () => {
    const compose = alicePage.getByRole('form', { name: 'New post' });
    const text = 'Hello from the web client #webclienttest';
    await compose.getByLabel("What's on your mind?").fill(text);
    await compose.getByText(`${500 - text.length} characters left`).waitFor();
    await compose.getByRole('button', { name: 'Content warning' }).click();
    await compose.getByLabel('Content warning').fill('Spoilers ahead');
    await compose.getByLabel('Add media').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: await pngImage({ r: 200, g: 30, b: 30 }) });
    await compose.getByLabel('Alt text for attachment 1').fill('A red square');
    await shoot(alicePage, 'alice-composes');
    await compose.getByRole('button', { name: 'Post' }).click();
    await compose.getByRole('status').filter({ hasText: 'Posted.' }).waitFor();
    // the draft is gone once the server took it
    assert.equal(await compose.getByLabel("What's on your mind?").inputValue(), '');

    const arrived = statusWith(bobPage, 'Spoilers ahead');
    await arrived.waitFor();
    await arrived.getByText('(show more)').click();
    await arrived.getByText('Hello from the web client').waitFor();
    assert.equal(await arrived.locator('img[alt="A red square"]').count(), 1);
    await shoot(bobPage, 'bob-sees-post-live');
    const [stored] = (await instance.request('GET', `/api/v1/accounts/${alice.accountId}/statuses`, { token: alice.token })).body;
    postId = stored.id;
    assert.equal(stored.spoiler_text, 'Spoilers ahead');
    assert.equal(stored.media_attachments[0].description, 'A red square');
  });

  it('posts a poll the follower votes in', async () => {
    const compose = alicePage.getByRole('form', { name: 'New post' });
    await compose.getByLabel("What's on your mind?").fill('Tea or coffee?');
    await compose.getByRole('button', { name: 'Poll' }).click();
    await compose.getByLabel('Choice 1').fill('Tea');
    await compose.getByLabel('Choice 2').fill('Coffee');
    await compose.getByRole('button', { name: 'Post' }).click();
    await compose.getByRole('status').filter({ hasText: 'Posted.' }).waitFor();

    const poll = statusWith(bobPage, 'Tea or coffee?');
    await poll.getByLabel('Coffee').check();
    await poll.getByRole('button', { name: 'Vote' }).click();
    await poll.getByText('100% Coffee (your choice)').waitFor();
    await shoot(bobPage, 'bob-votes');
  });

  it('replies, boosts and favourites, and the author sees the grouped notifications arrive live', async () => {
    await alicePage.getByRole('link', { name: 'Notifications' }).click();
    await alicePage.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    // the follow came before the page opened; a vote is no notification
    await alicePage.getByText('bob followed you').waitFor();

    const post = entry(bobPage, postId);
    await post.getByRole('button', { name: /^Favourite/ }).click();
    await post.locator('button[aria-pressed="true"]', { hasText: 'Favourite' }).waitFor();
    await post.getByRole('button', { name: /^Boost/ }).click();
    await post.locator('button[aria-pressed="true"]', { hasText: 'Boost' }).waitFor();
    await post.getByRole('button', { name: /^Reply/ }).click();
    const reply = post.getByRole('form', { name: 'Reply' });
    assert.equal(await reply.getByLabel('Reply to @alice').inputValue(), '@alice ');
    await reply.getByLabel('Reply to @alice').fill('@alice Lovely red!');
    await reply.getByRole('button', { name: 'Reply' }).click();
    await post.getByRole('button', { name: 'Reply 1' }).waitFor();
    await shoot(bobPage, 'bob-reacts');

    const notifications = alicePage.getByRole('region', { name: 'Notifications' });
    await notifications.getByText('bob favourited your post').waitFor();
    await notifications.getByText('bob boosted your post').waitFor();
    await notifications.locator('article.status', { hasText: 'Lovely red!' }).waitFor();
    // a second favourite joins the group, live
    assert.equal((await instance.request('POST', `/api/v1/statuses/${postId}/favourite`, { token: carol.token })).status, 200);
    await notifications.getByText('carol and 1 other favourited your post').waitFor();
    assert.equal(await notifications.getByText('favourited your post').count(), 1);
    await shoot(alicePage, 'alice-notifications');
  });

  it('reconnects a lost streaming connection and keeps the home timeline live', async () => {
    await bobPage.getByRole('link', { name: 'Home', exact: true }).click();
    await bobPage.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await bobPage.evaluate(() => (window as unknown as { sockets: WebSocket[] }).sockets.at(-1)!.close());
    // (the state shows "Connection lost, reconnecting…" for the second before it reconnects)
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'Posted while Bob was reconnecting' } });
    assert.equal(posted.status, 200);
    await bobPage.waitForFunction(
      () => (window as unknown as { sockets: WebSocket[] }).sockets.at(-1)?.readyState === WebSocket.OPEN && (window as unknown as { sockets: WebSocket[] }).sockets.length === 2,
    );
    await bobPage.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await statusWith(bobPage, 'Posted while Bob was reconnecting').waitFor();
    await shoot(bobPage, 'bob-reconnected');
  });

  it('keeps the draft of a post the server did not take, and sends it again', async () => {
    const compose = alicePage.getByRole('form', { name: 'New post' });
    let refused = 0;
    await alicePage.route('**/api/v1/statuses', async (route) => {
      if (route.request().method() !== 'POST' || refused++ > 0) return route.fallback();
      await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'Service Unavailable' }) });
    });
    await compose.getByLabel("What's on your mind?").fill('A post that fails once');
    await compose.getByRole('button', { name: 'Post' }).click();
    await compose.getByRole('alert').filter({ hasText: 'Your post was not sent (Service Unavailable)' }).waitFor();
    assert.equal(await compose.getByLabel("What's on your mind?").inputValue(), 'A post that fails once');
    // the draft outlives a reload too
    await alicePage.reload();
    assert.equal(await compose.getByLabel("What's on your mind?").inputValue(), 'A post that fails once');
    await compose.getByRole('button', { name: 'Post' }).click();
    await compose.getByRole('status').filter({ hasText: 'Posted.' }).waitFor();
    await alicePage.unroute('**/api/v1/statuses');
    assert.equal(refused, 2);
  });

  it("deletes a post, which leaves the follower's timeline live", async () => {
    await statusWith(bobPage, 'A post that fails once').waitFor();
    await alicePage.getByRole('link', { name: 'Home', exact: true }).click();
    const own = statusWith(alicePage, 'A post that fails once');
    alicePage.once('dialog', (dialog) => void dialog.accept());
    await own.getByRole('button', { name: 'Delete', exact: true }).click();
    await own.waitFor({ state: 'detached' });
    await statusWith(bobPage, 'A post that fails once').waitFor({ state: 'detached' });
  });

  it('renders only allow-listed markup from statuses, whatever the server sent', async () => {
    const [status] = (await instance.request('GET', `/api/v1/accounts/${alice.accountId}/statuses?limit=1`, { token: bob.token })).body;
    const hostile = {
      ...status,
      id: '999999999999',
      spoiler_text: '',
      content:
        '<p>Hostile <script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"><a href="javascript:window.pwned = 3">click</a> ' +
        '<a href="https://example.com/" onclick="window.pwned = 4" style="color: red">fine link</a><iframe src="https://example.com/"></iframe><strong class="x">bold</strong></p>',
    };
    // a page of its own: parsing the hostile HTML (in DOMParser's inert document) has Chromium report, and
    // refuse, its inline handlers and style, which the other pages' console must not hear
    const page = await bobContext.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    await page.route('**/api/v1/timelines/public?local=true', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify([hostile]) }));
    await page.goto(`${instance.url}/web/public/local`);
    const content = entry(page, hostile.id).locator('.content');
    await content.getByText('fine link').waitFor();
    assert.equal(await page.evaluate(() => (window as { pwned?: number }).pwned), undefined);
    assert.equal(await content.locator('script, img, iframe, [onclick], [onerror], [style], [class="x"]').count(), 0);
    // the javascript: link is its text alone
    assert.match((await content.textContent()) ?? '', /click fine link/);
    assert.equal(await content.locator('a', { hasText: 'click' }).count(), 0);
    assert.equal(await content.getByText('fine link').getAttribute('href'), 'https://example.com/');
    assert.equal(await content.getByText('fine link').getAttribute('rel'), 'nofollow noopener noreferrer');
    assert.ok(
      refused.every((message) => /inline event handler|inline style/.test(message) && /blocked/.test(message)),
      refused.join('\n'),
    );
    await page.close();
  });

  it('searches, opens a hashtag and follows it', async () => {
    await bobPage.getByRole('link', { name: 'Search' }).click();
    await bobPage.getByLabel('Search for people, hashtags or posts').fill('webclienttest');
    await bobPage.getByRole('button', { name: 'Search', exact: true }).click();
    await bobPage.waitForURL((url) => url.pathname === '/web/search' && url.searchParams.get('q') === 'webclienttest');
    const hashtag = bobPage.getByRole('link', { name: '#webclienttest' });
    await hashtag.waitFor();
    await shoot(bobPage, 'bob-searches');
    await hashtag.click();
    await bobPage.getByRole('heading', { name: '#webclienttest', level: 1 }).waitFor();
    await statusWith(bobPage, 'Spoilers ahead').waitFor();
    await bobPage.getByRole('button', { name: 'Follow hashtag' }).click();
    await bobPage.getByRole('button', { name: 'Unfollow hashtag' }).waitFor();
    await shoot(bobPage, 'bob-follows-hashtag');
    const followed = (await instance.request('GET', '/api/v1/followed_tags', { token: bob.token })).body;
    assert.deepEqual(
      followed.map((tag: any) => tag.name),
      ['webclienttest'],
    );
  });

  it('shows a thread', async () => {
    await entry(bobPage, postId).locator('time').click();
    await bobPage.getByRole('heading', { name: 'Thread', level: 1 }).waitFor();
    await statusWith(bobPage, 'Lovely red!').waitFor();
    assert.equal(await bobPage.locator('article.status.focused', { hasText: 'Spoilers ahead' }).count(), 1);
    await shoot(bobPage, 'bob-thread');
  });

  it('bookmarks, and shows the bookmarks and a list timeline, live', async () => {
    await entry(bobPage, postId).getByRole('button', { name: 'Bookmark' }).click();
    await entry(bobPage, postId).locator('button[aria-pressed="true"]', { hasText: 'Bookmark' }).waitFor();
    await bobPage.getByRole('link', { name: 'Bookmarks' }).click();
    await bobPage.getByRole('heading', { name: 'Bookmarks', level: 1 }).waitFor();
    await entry(bobPage, postId).waitFor();

    const list = await instance.request('POST', '/api/v1/lists', { token: bob.token, json: { title: 'Friends' } });
    assert.equal((await instance.request('POST', `/api/v1/lists/${list.body.id}/accounts`, { token: bob.token, json: { account_ids: [alice.accountId] } })).status, 200);
    await bobPage.getByRole('link', { name: 'Lists' }).click();
    await bobPage.getByRole('link', { name: 'Friends' }).click();
    await bobPage.getByRole('heading', { name: 'Friends', level: 1 }).waitFor();
    await bobPage.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
    assert.equal((await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'For the list' } })).status, 200);
    await statusWith(bobPage, 'For the list').waitFor();
    await shoot(bobPage, 'bob-list');
  });

  it('edits the profile with an avatar', async () => {
    await alicePage.getByRole('link', { name: 'Edit profile' }).click();
    await alicePage.getByLabel('Display name').fill('Alice Liddell');
    await alicePage.getByLabel('Bio').fill('Down the rabbit hole');
    await alicePage.getByLabel(/^Avatar/).setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: await pngImage({ r: 30, g: 90, b: 200 }, 128) });
    await alicePage.getByRole('button', { name: 'Save changes' }).click();
    await alicePage.getByText('Your profile is saved.').waitFor();
    const me = (await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body;
    assert.equal(me.display_name, 'Alice Liddell');
    assert.equal(me.source.note, 'Down the rabbit hole');
    assert.doesNotMatch(me.avatar, /missing\.png/);
    assert.equal(await alicePage.getByAltText('Your current avatar').getAttribute('src'), me.avatar);
    await alicePage.waitForFunction(() => (document.querySelector('img[alt="Your current avatar"]') as HTMLImageElement | null)?.naturalWidth === 400);
    await shoot(alicePage, 'alice-profile-edited');
  });

  it('lists the followed hashtags, where one is unfollowed', async () => {
    await bobPage.getByRole('link', { name: 'Followed hashtags' }).click();
    await bobPage.getByRole('heading', { name: 'Followed hashtags', level: 1 }).waitFor();
    const followedList = bobPage.getByRole('list', { name: 'Followed hashtags' });
    await followedList.getByRole('link', { name: '#webclienttest' }).waitFor();
    await shoot(bobPage, 'bob-followed-hashtags');
    await followedList.getByRole('button', { name: 'Unfollow #webclienttest' }).click();
    await followedList.getByRole('link', { name: '#webclienttest' }).waitFor({ state: 'detached' });
    assert.deepEqual((await instance.request('GET', '/api/v1/followed_tags', { token: bob.token })).body, []);
  });

  it('has no serious or critical accessibility violations on the main views, light and dark (axe-core)', async () => {
    const views: [string, string][] = [
      ['/home', 'Home'],
      ['/notifications', 'Notifications'],
      ['/web/public/local', 'Local timeline'],
      ['/web/public', 'Federated timeline'],
      ['/web/search?q=alice', 'Search'],
      ['/web/tags/webclienttest', '#webclienttest'],
      [`/web/statuses/${postId}`, 'Thread'],
      [`/web/accounts/${alice.accountId}`, 'Alice Liddell'],
      ['/web/settings/profile', 'Edit profile'],
      ['/web/bookmarks', 'Bookmarks'],
      ['/web/lists', 'Lists'],
      ['/web/followed_tags', 'Followed hashtags'],
    ];
    const found: string[] = [];
    for (const page of [alicePage, bobPage]) {
      for (const [path, heading] of views) {
        await page.goto(`${instance.url}${path}`);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
        for (const violation of await seriousAccessibilityViolations(page)) {
          found.push(`${path} (${page === alicePage ? 'light' : 'dark'}): ${violation.impact} ${violation.id}: ${violation.help} at ${violation.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
      }
    }
    // a phone's screen: one column
    await bobPage.setViewportSize({ width: 390, height: 844 });
    await bobPage.goto(`${instance.url}/home`);
    await bobPage.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    await bobPage.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
    assert.ok(await bobPage.evaluate(() => document.documentElement.scrollWidth <= 390), 'nothing is wider than the screen');
    for (const violation of await seriousAccessibilityViolations(bobPage)) found.push(`/home (phone): ${violation.impact} ${violation.id}: ${violation.help}`);
    await shoot(bobPage, 'bob-phone');
    assert.deepEqual(found, []);
  });

  it('signs out, revoking the token', async () => {
    const token = await alicePage.evaluate(() => localStorage.getItem('subspace.token'));
    await alicePage.getByRole('button', { name: 'Sign out' }).click();
    await alicePage.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await alicePage.evaluate(() => localStorage.getItem('subspace.token')), null);
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: token! })).status, 401);
    await shoot(alicePage, 'alice-signed-out');
    assert.deepEqual(await seriousAccessibilityViolations(alicePage), []);
    assert.deepEqual(policyViolations, []);
  });
});
