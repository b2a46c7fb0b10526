import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { oauthApplications } from '../../src/db/schema.ts';
import { webClientApplication } from '../../src/services/oauth/web-client-application.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe("the instance's own web client as a first-party OAuth application", () => {
  let instance: TestInstance;
  let alice: TestUser;
  let browser: Browser;
  let clientId: string;
  let callback: string;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    const app = await webClientApplication(instance.ctx);
    clientId = app.uid;
    callback = app.redirectUris[0]!;
    browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in');
    const { action, fields } = formFields(page.html);
    assert.equal((await browser.post(action, { ...fields, 'user[email]': alice.email, 'user[password]': alice.password })).status, 303);
  });
  after(() => instance?.close());

  const authorizePath = (client: string, redirectUri: string, query: Record<string, string> = {}) =>
    `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: client, redirect_uri: redirectUri, scope: 'read write', state: 's1', ...query })}`;

  it('is one row, made once (even by requests at the same moment), owned by the server, whose callback is on this instance', async () => {
    assert.equal((await webClientApplication(instance.ctx)).uid, clientId);
    const fresh = await startInstance();
    try {
      const rows = await Promise.all([1, 2, 3].map(() => webClientApplication(fresh.ctx)));
      assert.equal(new Set(rows.map((row) => row.uid)).size, 1);
      const apps = await fresh.ctx.db.select().from(oauthApplications).where(eq(oauthApplications.superapp, true));
      assert.equal(apps.length, 1);
    } finally {
      await fresh.close();
    }
    assert.equal(new URL(callback).pathname, '/web/oauth/callback');
    assert.equal(new URL(callback).host, instance.ctx.config.webDomain);
  });

  it('authorizes without a consent page, and trades the code for a token with PKCE and no secret', async () => {
    const { verifier, challenge } = pkce();
    const authorized = await browser.get(authorizePath(clientId, callback, { code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.equal(authorized.status, 302);
    const location = new URL(authorized.location!);
    assert.equal(`${location.origin}${location.pathname}`, callback);
    assert.equal(location.searchParams.get('state'), 's1');
    const code = location.searchParams.get('code')!;

    const token = await instance.request('POST', '/oauth/token', { form: { grant_type: 'authorization_code', code, redirect_uri: callback, client_id: clientId, code_verifier: verifier } });
    assert.equal(token.status, 200, token.text);
    const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: token.body.access_token });
    assert.equal(me.body.username, 'alice');

    // a public client signs out with its client_id alone
    assert.equal((await instance.request('POST', '/oauth/revoke', { form: { client_id: clientId, token: token.body.access_token } })).status, 200);
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: token.body.access_token })).status, 401);
  });

  it('refuses a code without PKCE, and client credentials without a secret', async () => {
    const withoutPkce = await browser.get(authorizePath(clientId, callback));
    assert.equal(withoutPkce.status, 302);
    assert.equal(new URL(withoutPkce.location!).searchParams.get('error'), 'invalid_request');
    const credentials = await instance.request('POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: clientId, scope: 'read' } });
    assert.equal(credentials.status, 401);
    assert.equal(credentials.body.error, 'invalid_client');
  });

  it('still asks consent for any other application, which cannot make itself first-party', async () => {
    const created = await instance.request('POST', '/api/v1/apps', {
      json: { client_name: 'Web', redirect_uris: 'https://client.example/callback', scopes: 'read write', superapp: true },
    });
    assert.equal(created.status, 200, created.text);
    const { challenge } = pkce();
    const consent = await browser.get(authorizePath(created.body.client_id, 'https://client.example/callback', { code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.equal(consent.status, 200);
    assert.match(consent.html, /Authorization required/);
    assert.equal((await webClientApplication(instance.ctx)).uid, clientId);

    // nor trade a code without its secret
    const approve = formFields(consent.html, 0);
    const code = new URL((await browser.post(approve.action, approve.fields)).location!).searchParams.get('code')!;
    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example/callback', client_id: created.body.client_id },
    });
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_client');
  });
});
