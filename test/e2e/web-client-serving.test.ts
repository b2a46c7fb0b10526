import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildClient, CLIENT_BUILD_DIR } from '../../src/roles/client-build.ts';
import { webClientApplication } from '../../src/services/oauth/web-client-application.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { Browser } from '../helpers/browser.ts';
import { ensureClientBuild } from '../helpers/web-client.ts';

describe('building the web client', () => {
  it('produces a fresh index.html and hashed assets, with no inline script', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'subspace-client-build-'));
    try {
      await buildClient(outDir);
      const html = readFileSync(join(outDir, 'index.html'), 'utf8');
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.equal(scripts.length, 1);
      assert.match(scripts[0]![1]!, /type="module"[^>]*src="\/web\/assets\/index-[\w-]+\.js"/);
      assert.equal(scripts[0]![2], '');
      const assets = readdirSync(join(outDir, 'assets'));
      assert.ok(
        assets.some((name) => /^index-[\w-]+\.js$/.test(name)),
        assets.join(),
      );
      assert.ok(
        assets.some((name) => /^index-[\w-]+\.css$/.test(name)),
        assets.join(),
      );
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

describe('serving the web client', () => {
  let instance: TestInstance;
  before(async () => {
    await ensureClientBuild();
    instance = await startInstance();
  });
  after(() => instance?.close());

  it('serves index.html at /home, /notifications and /web/* under a strict Content-Security-Policy, naming its OAuth application', async () => {
    const { uid } = await webClientApplication(instance.ctx);
    const index = readFileSync(join(CLIENT_BUILD_DIR, 'index.html'), 'utf8').replace('</head>', `<meta name="subspace-client-id" content="${uid}" />\n  </head>`);
    for (const path of ['/home', '/notifications', '/web', '/web/statuses/123', '/web/oauth/callback?code=x']) {
      const response = await fetch(`${instance.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type')!, /^text\/html/);
      assert.equal(await response.text(), index, path);
      const policy = response.headers.get('content-security-policy')!;
      assert.match(policy, /script-src 'self'(;|$)/);
      assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
      assert.match(policy, /connect-src 'self' ws:\/\/subspace\.test(;|$)/);
      assert.match(policy, /frame-ancestors 'none'/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('cache-control'), 'no-cache');
    }
  });

  it('serves the hashed assets with long cache headers, and nothing else under /web/assets', async () => {
    const [script] = readdirSync(join(CLIENT_BUILD_DIR, 'assets')).filter((name) => name.endsWith('.js'));
    const response = await fetch(`${instance.url}/web/assets/${script}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await response.text(), readFileSync(join(CLIENT_BUILD_DIR, 'assets', script!), 'utf8'));
    for (const path of ['/web/assets/missing-abc.js', '/web/assets/..%2Findex.html', '/web/assets/index.txt']) {
      assert.equal((await fetch(`${instance.url}${path}`)).status, 404, path);
    }
  });

  it('leaves the public pages server-rendered, and signing in leads to the client', async () => {
    await instance.createUser('alice');
    const profile = await fetch(`${instance.url}/@alice`, { headers: { accept: 'text/html' } });
    assert.equal(profile.status, 200);
    assert.doesNotMatch(await profile.text(), /\/web\/assets\//);
    assert.doesNotMatch(profile.headers.get('content-security-policy')!, /script-src/);
    const explore = await fetch(`${instance.url}/explore`, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(await explore.text(), /\/web\/assets\//);

    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in');
    const csrf = /name="authenticity_token" value="([^"]+)"/.exec(page.html)![1]!;
    const signedIn = await browser.post('/auth/sign_in', { authenticity_token: csrf, 'user[email]': 'alice@example.com', 'user[password]': 'password-of-alice' });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/home');
  });
});
