import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const REDIRECT = 'https://client.example/callback';
const OOB = 'urn:ietf:wg:oauth:2.0:oob';

describe('OAuth authorization code flow through the HTML pages', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let app: { client_id: string; client_secret: string };

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
    const created = await instance.request('POST', '/api/v1/apps', {
      json: { client_name: 'Test Client', redirect_uris: [REDIRECT, OOB], scopes: 'read write profile', website: 'https://client.example' },
    });
    assert.equal(created.status, 200, created.text);
    app = created.body;
  });
  after(() => instance.close());

  /** Signs alice in on the page the authorize URL shows, and returns the consent page. */
  async function signInAndConsentPage(browser: Browser, authorizePath: string, password = alice.password) {
    const signIn = await browser.get(authorizePath);
    assert.equal(signIn.status, 200);
    assert.match(signIn.html, /name="user\[email\]"/);
    const { action, fields } = formFields(signIn.html);
    assert.equal(action, '/auth/sign_in');
    const posted = await browser.post(action, { ...fields, 'user[email]': alice.email, 'user[password]': password });
    if (posted.status !== 303) return { signInResponse: posted };
    assert.equal(posted.location, fields.return_to);
    const consent = await browser.get(posted.location!);
    return { signInResponse: posted, consent };
  }

  function authorizePath(query: Record<string, string>) {
    return `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, ...query })}`;
  }

  function pkce() {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  it('signs in, authorizes with PKCE, and exchanges the code for a working token', async () => {
    const browser = new Browser(instance.url);
    const { verifier, challenge } = pkce();
    const { consent } = await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read write', state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.ok(consent);
    assert.equal(consent.status, 200);
    assert.match(consent.html, /Test Client/);
    assert.match(consent.html, /<code>read<\/code>/);
    assert.match(consent.html, /<code>write<\/code>/);

    const approve = formFields(consent.html, 0);
    const redirected = await browser.post(approve.action, approve.fields);
    assert.equal(redirected.status, 302);
    const location = new URL(redirected.location!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('state'), 'xyz');
    const code = location.searchParams.get('code')!;
    assert.ok(code);

    const wrongVerifier = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret, code_verifier: 'not-the-verifier' },
    });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    // the failed attempt consumed the code: a grant is good for one exchange only; the browser,
    // still signed in, goes straight to the consent page for a new one
    const again = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read write', code_challenge: challenge, code_challenge_method: 'S256' }));
    assert.match(again.html, /Authorization required/);
    const approveAgain = formFields(again.html, 0);
    const secondCode = new URL((await browser.post(approveAgain.action, approveAgain.fields)).location!).searchParams.get('code')!;

    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code: secondCode, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret, code_verifier: verifier },
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.token_type, 'Bearer');
    assert.equal(token.body.scope, 'read write');
    assert.equal(typeof token.body.created_at, 'number');

    const me = await instance.request('GET', '/api/v1/apps/verify_credentials', { token: token.body.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.name, 'Test Client');

    const replay = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code: secondCode, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret, code_verifier: verifier },
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
  });

  it('revokes the tokens issued for a code when the code is replayed (RFC 6749 §4.1.2)', async () => {
    const browser = new Browser(instance.url);
    const { consent } = await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read' }));
    const approve = formFields(consent!.html, 0);
    const code = new URL((await browser.post(approve.action, approve.fields)).location!).searchParams.get('code')!;
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret };

    const first = await instance.request('POST', '/oauth/token', { form: exchange });
    assert.equal(first.status, 200, first.text);
    const token = first.body.access_token;
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token })).status, 200);
    // another token of the same user and app, from another code, is not touched
    const other = await instance.request('POST', '/oauth/token', { form: { ...exchange, code: await codeFor(browser) } });
    assert.equal(other.status, 200);

    const replay = await instance.request('POST', '/oauth/token', { form: exchange });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const revoked = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
    assert.equal(revoked.status, 401);
    assert.equal((await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: other.body.access_token })).status, 200);
  });

  it('leaves no working token when a code is exchanged twice at the same moment', async () => {
    const browser = new Browser(instance.url);
    await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read' }));
    for (let round = 0; round < 5; round++) {
      const code = await codeFor(browser);
      const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret };
      const answers = await Promise.all([1, 2, 3].map(() => instance.request('POST', '/oauth/token', { form: exchange })));
      const issued = answers.filter((answer) => answer.status === 200);
      assert.equal(issued.length, 1, 'one exchange wins');
      assert.ok(answers.every((answer) => answer.status === 200 || answer.body.error === 'invalid_grant'));
      // the replays saw the winner's token and revoked it
      const check = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: issued[0]!.body.access_token });
      assert.equal(check.status, 401);
    }
  });

  /** A fresh code from a browser already signed in. */
  async function codeFor(browser: Browser) {
    const consent = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read' }));
    const approve = formFields(consent.html, 0);
    return new URL((await browser.post(approve.action, approve.fields)).location!).searchParams.get('code')!;
  }

  it('accepts client_secret_basic and refuses a code issued to another client or redirect URI', async () => {
    const browser = new Browser(instance.url);
    const { consent } = await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read' }));
    const approve = formFields(consent!.html, 0);
    const code = new URL((await browser.post(approve.action, approve.fields)).location!).searchParams.get('code')!;

    const other = await instance.request('POST', '/api/v1/apps', { json: { client_name: 'Other', redirect_uris: REDIRECT, scopes: 'read' } });
    const stolen = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: other.body.client_id, client_secret: other.body.client_secret },
    });
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'invalid_grant');

    const basic = Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64');
    const wrongUri = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: 'https://client.example/other' },
      headers: { authorization: `Basic ${basic}` },
    });
    assert.equal(wrongUri.body.error, 'invalid_grant');
  });

  it('shows the code on a page for the out-of-band redirect URI', async () => {
    const browser = new Browser(instance.url);
    const { consent } = await signInAndConsentPage(browser, authorizePath({ redirect_uri: OOB, scope: 'read' }));
    const approve = formFields(consent!.html, 0);
    const redirected = await browser.post(approve.action, approve.fields);
    assert.equal(redirected.status, 302);
    assert.match(redirected.location!, /^\/oauth\/authorize\/native\?code=/);
    const page = await browser.get(redirected.location!);
    const shown = /<code class="token" id="authorization_code">([^<]+)<\/code>/.exec(page.html)?.[1];
    assert.ok(shown);
    const token = await instance.request('POST', '/oauth/token', {
      json: { grant_type: 'authorization_code', code: shown, redirect_uri: OOB, client_id: app.client_id, client_secret: app.client_secret },
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'read');
  });

  it('redirects back with access_denied when the user denies', async () => {
    const browser = new Browser(instance.url);
    const { consent } = await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read', state: 's1' }));
    const deny = formFields(consent!.html, 1);
    assert.equal(deny.fields._method, 'delete');
    const redirected = await browser.post(deny.action, deny.fields);
    const location = new URL(redirected.location!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 's1');
    assert.equal(location.searchParams.get('code'), null);
  });

  it('keeps the session: a signed-in browser goes straight to the consent page', async () => {
    const browser = new Browser(instance.url);
    await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read' }));
    const direct = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read' }));
    assert.match(direct.html, /Authorization required/);
    const forced = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read', force_login: 'true' }));
    assert.match(forced.html, /name="user\[password\]"/);
  });

  it('refuses a wrong password, a forged form, and bad authorization requests', async () => {
    const browser = new Browser(instance.url);
    const { signInResponse, consent } = await signInAndConsentPage(browser, authorizePath({ redirect_uri: REDIRECT, scope: 'read' }), 'wrong password');
    assert.equal(consent, undefined);
    assert.equal(signInResponse.status, 401);
    assert.match(signInResponse.html, /Invalid E-mail address or password/);

    const forged = await new Browser(instance.url).post('/auth/sign_in', { 'user[email]': alice.email, 'user[password]': alice.password, authenticity_token: 'forged' });
    assert.equal(forged.status, 422);

    const unknownClient = await browser.get(`/oauth/authorize?response_type=code&client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(unknownClient.status, 400);
    const unregisteredRedirect = await browser.get(authorizePath({ redirect_uri: 'https://evil.example/cb', scope: 'read' }));
    assert.equal(unregisteredRedirect.status, 400);
    assert.equal(unregisteredRedirect.location, null);

    const tooBroad = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read admin:write', state: 'q' }));
    assert.equal(tooBroad.status, 302);
    assert.equal(new URL(tooBroad.location!).searchParams.get('error'), 'invalid_scope');
    const plainPkce = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read', code_challenge: 'abc', code_challenge_method: 'plain' }));
    assert.equal(new URL(plainPkce.location!).searchParams.get('error'), 'invalid_request');
    const implicit = await browser.get(authorizePath({ redirect_uri: REDIRECT, scope: 'read', response_type: 'token' }));
    assert.equal(new URL(implicit.location!).searchParams.get('error'), 'unsupported_response_type');
  });

  it('publishes RFC 8414 metadata', async () => {
    const metadata = await instance.request('GET', '/.well-known/oauth-authorization-server');
    assert.equal(metadata.status, 200);
    assert.equal(metadata.body.issuer, 'http://subspace.test/');
    assert.equal(metadata.body.authorization_endpoint, 'http://subspace.test/oauth/authorize');
    assert.equal(metadata.body.token_endpoint, 'http://subspace.test/oauth/token');
    assert.equal(metadata.body.app_registration_endpoint, 'http://subspace.test/api/v1/apps');
    assert.deepEqual(metadata.body.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.body.grant_types_supported, ['authorization_code', 'client_credentials']);
    assert.ok(metadata.body.scopes_supported.includes('read:statuses'));
    assert.ok(metadata.body.scopes_supported.includes('admin:write:reports'));
  });
});
