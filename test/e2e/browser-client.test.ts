import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { claimLoopbackAddress } from '../helpers/loopback.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Subspace and the client's page on two loopback addresses: two origins, as Elk and an instance are. */
const INSTANCE_HOST = claimLoopbackAddress();
const CLIENT_HOST = claimLoopbackAddress();

/**
 * A browser-based client in the way Elk or Phanpy is one: a page on its own origin, talking to the
 * instance only with `fetch` (so only through CORS), except for the OAuth page the browser visits.
 * `/` registers an app and sends the browser to /oauth/authorize with PKCE; `/callback` trades the
 * code for a token and uses the API; each writes what it saw into `#result`.
 */
function clientPage(instanceUrl: string, clientUrl: string, path: string): string {
  const script = `
const instance = ${JSON.stringify(instanceUrl)};
const redirectUri = ${JSON.stringify(`${clientUrl}/callback`)};
const show = (value) => { const out = document.createElement('pre'); out.id = 'result'; out.textContent = JSON.stringify(value); document.body.append(out); };
const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');

async function start() {
  const registered = await fetch(instance + '/api/v1/apps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Browser Client', redirect_uris: redirectUri, scopes: 'read write', website: location.origin }),
  });
  const app = await registered.json();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('client', JSON.stringify({ id: app.client_id, secret: app.client_secret, verifier }));
  location.href = instance + '/oauth/authorize?' + new URLSearchParams({
    response_type: 'code', client_id: app.client_id, redirect_uri: redirectUri, scope: 'read write',
    state: 'browser-state', code_challenge: challenge, code_challenge_method: 'S256',
  });
}

async function finish() {
  const query = new URLSearchParams(location.search);
  const client = JSON.parse(sessionStorage.getItem('client'));
  const tokenResponse = await fetch(instance + '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: query.get('code'), redirect_uri: redirectUri, client_id: client.id, client_secret: client.secret, code_verifier: client.verifier }),
  });
  const token = await tokenResponse.json();
  const auth = { authorization: 'Bearer ' + token.access_token };
  const me = await fetch(instance + '/api/v1/accounts/verify_credentials', { headers: auth });
  const account = await me.json();
  const posted = await fetch(instance + '/api/v1/statuses', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ status: 'Hello from a browser on another origin', visibility: 'public' }),
  });
  const status = await posted.json();
  const statuses = await fetch(instance + '/api/v1/accounts/' + account.id + '/statuses?limit=1', { headers: auth });
  const unauthorized = await fetch(instance + '/api/v1/accounts/verify_credentials');
  show({
    state: query.get('state'),
    token: { status: tokenResponse.status, type: token.token_type, scope: token.scope },
    me: { status: me.status, username: account.username },
    posted: { status: posted.status, content: status.content, visibility: status.visibility },
    link: statuses.headers.get('link'),
    unauthorized: { status: unauthorized.status, body: await unauthorized.json() },
  });
}

(location.pathname === '/callback' ? finish() : start()).catch((error) => show({ failed: String(error) }));`;
  if (path === '/frame') return `<!doctype html><title>Framing</title><iframe id="framed" src="${instanceUrl}/auth/sign_in" onload="document.title = 'loaded'"></iframe>`;
  return `<!doctype html><title>Browser client</title><script type="module">${script}</script>`;
}

describe('a browser-based client on another origin, in Chromium', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package to run the browser tests (CI does)`,
}, () => {
  let instance: TestInstance;
  let alice: TestUser;
  let client: Server;
  let clientUrl: string;
  let userDataDir: string;
  let browser: BrowserContext;

  before(async () => {
    instance = await startInstance({ env: { BIND: INSTANCE_HOST } });
    alice = await instance.createUser('alice');
    client = createServer((request, response) => {
      const path = new URL(request.url ?? '/', clientUrl).pathname;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(clientPage(instance.url, clientUrl, path));
    });
    await new Promise<void>((resolve) => client.listen(0, CLIENT_HOST, resolve));
    clientUrl = `http://${CLIENT_HOST}:${(client.address() as { port: number }).port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'subspace-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      // the pages follow the system's theme: dark here, for the stylesheet check
      colorScheme: 'dark',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await new Promise((resolve) => client?.close(resolve));
    await instance?.close();
  });

  it('registers an app, signs in through the OAuth page with PKCE, and uses the API with fetch', async () => {
    const page = await browser.newPage();
    const policyViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy|CORS/i.test(message.text())) policyViolations.push(message.text());
    });

    await page.goto(`${clientUrl}/`);
    // the page's fetch registered the app and sent the browser to the instance's sign-in page
    await page.waitForURL((url) => url.origin === instance.url && url.pathname === '/oauth/authorize');
    await page.locator('#email').waitFor();
    // the pages' stylesheet applies under their Content-Security-Policy
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(25, 27, 34)');
    await page.fill('#email', alice.email);
    await page.fill('#password', alice.password);
    await page.click('button[type=submit]');

    await page.waitForURL((url) => url.origin === instance.url && url.pathname === '/oauth/authorize');
    assert.match((await page.textContent('body')) ?? '', /Browser Client/);
    await page.click('button[value=approve]');

    await page.waitForURL((url) => url.origin === clientUrl && url.pathname === '/callback');
    const result = JSON.parse((await page.locator('#result').textContent({ timeout: 60_000 }))!);
    assert.equal(result.failed, undefined, result.failed);
    assert.equal(result.state, 'browser-state');
    assert.deepEqual(result.token, { status: 200, type: 'Bearer', scope: 'read write' });
    assert.deepEqual(result.me, { status: 200, username: 'alice' });
    assert.equal(result.posted.status, 200);
    assert.equal(result.posted.visibility, 'public');
    assert.match(result.posted.content, /Hello from a browser on another origin/);
    // exposed headers are readable by the page
    assert.match(result.link ?? '', /rel="next"/);
    assert.deepEqual(result.unauthorized, { status: 401, body: { error: 'The access token is invalid' } });
    assert.deepEqual(policyViolations, []);

    const [stored] = (await instance.request('GET', `/api/v1/accounts/${alice.accountId}/statuses`, { token: alice.token })).body;
    assert.match(stored.content, /Hello from a browser on another origin/);
    await page.close();
  });

  it("refuses to show the sign-in page inside another site's frame", async () => {
    const page = await browser.newPage();
    await page.goto(`${clientUrl}/frame`);
    await page.waitForFunction(() => document.title === 'loaded');
    const frame = await (await page.$('#framed'))!.contentFrame();
    // a refused frame shows Chromium's own error page, never the form
    const framed = await frame!.evaluate(() => ({ url: location.href, form: document.querySelector('#email') !== null })).catch((error: Error) => ({ url: '', form: false, error: error.message }));
    assert.equal(framed.form, false);
    assert.ok(!framed.url.startsWith(instance.url), `the frame shows ${framed.url}`);
    await page.close();
  });
});
