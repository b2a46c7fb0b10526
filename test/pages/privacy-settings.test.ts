import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, signedInBrowser, submitSettings } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const robots = (page: string) => /<meta name="robots" content="([^"]*)">/.exec(page)?.[1];

describe('privacy and reach settings (/settings/privacy) and the noindex preference', () => {
  let instance: TestInstance;
  let alice: TestUser;
  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  const account = async () => (await instance.request('GET', `/api/v1/accounts/${alice.accountId}`)).body;
  const save = (browser: Browser, changes: Record<string, '0' | '1'>) => submitSettings(browser, '/settings/privacy', changes);

  it("leaves a new member's profile to search engines, as Mastodon's default, apart from full-text search", async () => {
    const entity = await account();
    assert.equal(entity.noindex, false);
    assert.equal(entity.indexable, false);
    const profile = await instance.request('GET', '/@alice');
    assert.equal(profile.status, 200);
    assert.equal(robots(profile.text), undefined, 'no robots meta');
  });

  it('sends a visitor to the sign-in page', async () => {
    const page = await new Browser(instance.url).get('/settings/privacy');
    assert.equal(page.status, 302);
    assert.equal(page.location, `/auth/sign_in?return_to=${encodeURIComponent('/settings/privacy')}`);
  });

  it('saves each choice: the profile out of search engines, follow requests, posts in search, collections hidden, discovery', async () => {
    const browser = await signedInBrowser(instance.url, alice);
    const page = await browser.get('/settings/privacy');
    assert.match(page.html, /id="account_settings_indexable" name="account\[settings\]\[indexable\]" value="1" checked/, 'the profile is in search engines by default');
    assert.match(page.html, /id="account_unlocked" name="account\[unlocked\]" value="1" checked/);

    const saved = await save(browser, {
      'account[settings][indexable]': '0',
      'account[unlocked]': '0',
      'account[indexable]': '1',
      'account[show_collections]': '0',
      'account[discoverable]': '1',
    });
    assert.equal(saved.status, 303, saved.html);
    assert.equal(saved.location, '/settings/privacy');

    const entity = await account();
    assert.equal(entity.noindex, true);
    assert.equal(entity.locked, true);
    assert.equal(entity.indexable, true);
    assert.equal(entity.hide_collections, true);
    assert.equal(entity.discoverable, true);
    assert.equal(robots((await instance.request('GET', '/@alice')).text), 'noindex, noarchive', 'the profile page asks search engines to stay away');
    const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
    assert.equal(me.body.noindex, true);
    assert.equal(me.body.source.indexable, true);

    const again = await browser.get('/settings/privacy');
    assert.match(again.html, /id="account_settings_indexable" name="account\[settings\]\[indexable\]" value="1">/, 'shown unticked');
    assert.equal((await save(browser, { 'account[settings][indexable]': '1', 'account[unlocked]': '1' })).status, 303);
    const back = await account();
    assert.equal(back.noindex, false);
    assert.equal(back.locked, false);
    assert.equal(back.hide_collections, true, 'what was not changed stays');
    assert.equal(robots((await instance.request('GET', '/@alice')).text), undefined);
  });

  it('changes nothing without the form’s authenticity token', async () => {
    const browser = await signedInBrowser(instance.url, alice);
    const before = await account();
    const forged = await browser.post('/settings/privacy', { 'account[settings][indexable]': '0', 'account[unlocked]': '0' });
    assert.ok(forged.status >= 400 && forged.status < 500, `${forged.status}`);
    assert.deepEqual(await account(), before);
  });
});
