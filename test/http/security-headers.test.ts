import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const REDIRECT = 'https://client.example/callback';

describe('security headers on the HTML pages', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let app: { client_id: string; client_secret: string };

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    app = (await instance.request('POST', '/api/v1/apps', { json: { client_name: 'Framer', redirect_uris: REDIRECT, scopes: 'read' } })).body;
  });
  after(() => instance.close());

  const page = (browser: Browser | undefined, path: string) => (browser ?? new Browser(instance.url)).get(path);

  function assertProtected(response: { status: number; headers: Headers; html?: string }, what: string) {
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/, what);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/, `${what} (${response.status}) cannot be framed`);
    assert.match(csp, /default-src 'none'/, `${what}: nothing loads unless listed`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${what}: no inline code allowed`);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', what);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(response.headers.get('referrer-policy'), 'same-origin', what);
    if (response.html !== undefined) assert.doesNotMatch(response.html, /<script|<style|\sstyle=/i, `${what} has nothing inline the policy would block`);
  }

  async function signedInBrowser() {
    const browser = new Browser(instance.url);
    const signIn = await browser.get('/auth/sign_in');
    const { fields } = formFields(signIn.html);
    const posted = await browser.post('/auth/sign_in', { ...fields, 'user[email]': alice.email, 'user[password]': alice.password });
    assert.equal(posted.status, 303);
    return browser;
  }

  it('sends them with the sign-in page, a refused sign-in and the consent page', async () => {
    assertProtected(await page(undefined, '/auth/sign_in'), 'the sign-in page');

    const browser = new Browser(instance.url);
    const signIn = await browser.get('/auth/sign_in');
    const { fields } = formFields(signIn.html);
    const refused = await browser.post('/auth/sign_in', { ...fields, 'user[email]': alice.email, 'user[password]': 'wrong' });
    assert.equal(refused.status, 401);
    assertProtected(refused, 'a refused sign-in');

    const authorize = `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT, scope: 'read' })}`;
    assertProtected(await page(undefined, authorize), 'the sign-in page the authorize URL shows');
    const consent = await page(await signedInBrowser(), authorize);
    assert.match(consent.html, /Authorization required/);
    assertProtected(consent, 'the consent page');
    assertProtected(await page(undefined, '/oauth/authorize/native?code=abc'), 'the out-of-band code page');
  });

  it('sends them with the settings pages, profile pages and HTML error pages', async () => {
    const browser = await signedInBrowser();
    const aliases = await page(browser, '/settings/aliases');
    assert.equal(aliases.status, 200);
    assertProtected(aliases, 'the aliases settings page');
    assertProtected(await page(browser, '/settings/migration'), 'the migration settings page');

    assertProtected(await page(undefined, '/@alice'), 'a profile page');
    const notFound = await page(undefined, '/no/such/page');
    assert.equal(notFound.status, 404);
    assertProtected(notFound, 'the HTML 404 page');
    const badRequest = await page(undefined, '/oauth/authorize?client_id=unknown');
    assert.equal(badRequest.status, 400);
    assertProtected(badRequest, 'an authorization error page');
    const confirmation = await page(undefined, '/auth/confirmation?confirmation_token=nope');
    assert.equal(confirmation.status, 404);
    assertProtected(confirmation, 'a failed confirmation page');
  });

  it("serves the pages' stylesheet from this site, so the policy can forbid inline styles", async () => {
    const signIn = await page(undefined, '/auth/sign_in');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(signIn.html)?.[1];
    assert.ok(href?.startsWith('/'), 'a stylesheet on this site');
    const css = await fetch(new URL(href!, instance.url));
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type')!, /^text\/css/);
    assert.match(await css.text(), /button\{/);
  });

  it('tells browsers not to sniff other answers either', async () => {
    const api = await instance.request('GET', '/api/v1/instance');
    assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(api.headers.get('content-security-policy'), null, 'JSON needs no page policy');
  });
});
