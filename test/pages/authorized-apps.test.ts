import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { channels, publishToStream } from '../../src/streaming/channels.ts';
import { webClientApplication } from '../../src/services/oauth/web-client-application.ts';
import { Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { openEventStream, untilListening } from '../helpers/stream-clients.ts';

const REDIRECT = 'https://client.example/callback';

describe('authorized apps and browser sessions (/oauth/authorized_applications, /auth/edit)', () => {
  let instance: TestInstance;
  let app: { id: string; client_id: string; client_secret: string };
  before(async () => {
    instance = await startInstance();
    const created = await instance.request('POST', '/api/v1/apps', {
      json: { client_name: 'Pocket Client', redirect_uris: REDIRECT, scopes: 'read write', website: 'https://client.example' },
    });
    assert.equal(created.status, 200, created.text);
    app = created.body;
  });
  after(() => instance.close());

  /** Authorizes the app through the consent page in this signed-in browser; returns the token. */
  async function authorize(browser: Browser): Promise<string> {
    const consent = await browser.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT, scope: 'read write' })}`);
    assert.equal(consent.status, 200, consent.html);
    const approve = formFields(consent.html, 0);
    const redirected = await browser.post(approve.action, approve.fields);
    assert.equal(redirected.status, 302, redirected.html);
    const code = new URL(redirected.location!).searchParams.get('code')!;
    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: app.client_id, client_secret: app.client_secret },
    });
    assert.equal(token.status, 200, token.text);
    return token.body.access_token;
  }
  const verify = (token: string) => instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
  /** The revoke form of the row naming `label` on the page. */
  function revokeFormFor(html: string, label: string) {
    const forms = [...html.matchAll(/<form[^>]*>[\s\S]*?<\/form>/g)].map((match) => match[0]);
    const index = forms.findIndex((form) => form.includes(`aria-label="${label}"`));
    assert.ok(index >= 0, `no revoke form for ${label}:\n${html}`);
    return formFields(html, index);
  }

  it('sends a visitor to the sign-in page', async () => {
    const visitor = new Browser(instance.url);
    for (const path of ['/oauth/authorized_applications', '/auth/edit']) {
      const page = await visitor.get(path);
      assert.equal(page.status, 302);
      assert.equal(page.location, `/auth/sign_in?return_to=${encodeURIComponent(path)}`);
    }
  });

  it('lists an app authorized through OAuth and revokes its tokens, which then get 401 and lose their streams; the web client has no revoke button', async () => {
    const member = await instance.createUser('appuser');
    const browser = await signedInBrowser(instance.url, member);
    const token = await authorize(browser);
    const second = await authorize(browser);
    const web = await webClientApplication(instance.ctx);
    const webToken = await issueToken(instance.ctx, { applicationId: web.id, userId: member.userId, scopes: ['read', 'write', 'follow', 'push'] });
    assert.equal((await verify(token)).status, 200);
    const stream = await openEventStream(instance.url, 'user', token);
    after(() => stream.close());
    await untilListening(stream, (probe) => publishToStream(instance.ctx, channels.home(member.accountId), 'delete', probe));

    const page = await browser.get('/oauth/authorized_applications');
    assert.equal(page.status, 200);
    assert.match(page.html, /<a href="https:\/\/client\.example" rel="noopener noreferrer">Pocket Client<\/a>/);
    assert.match(page.html, /<code>read<\/code> <code>write<\/code>/);
    assert.match(page.html, />Web<\/a><\/td>/, 'the web client is listed');
    assert.doesNotMatch(page.html, /aria-label="Revoke Web"/, 'but cannot be revoked here');
    assert.doesNotMatch(page.html, /<script/);

    const form = revokeFormFor(page.html, 'Revoke Pocket Client');
    assert.equal(form.action, `/oauth/authorized_applications/${app.id}`);
    const refused = await browser.post(form.action, { ...form.fields, authenticity_token: 'forged' });
    assert.equal(refused.status, 422, 'a forged form is refused');
    assert.equal((await verify(token)).status, 200, 'and changes nothing');

    const revoked = await browser.post(form.action, form.fields);
    assert.equal(revoked.status, 303, revoked.html);
    assert.equal(revoked.location, '/oauth/authorized_applications');
    assert.equal((await verify(token)).status, 401);
    await stream.closed;
    assert.equal((await verify(second)).status, 401, 'every token of the app');
    assert.equal((await verify(webToken.accessToken)).status, 200, 'other apps keep theirs');
    assert.doesNotMatch((await browser.get('/oauth/authorized_applications')).html, /Pocket Client/);

    const superapp = await browser.post(`/oauth/authorized_applications/${web.id}`, form.fields);
    assert.equal(superapp.status, 403);
    assert.equal((await verify(webToken.accessToken)).status, 200);
  });

  it('does not let one member revoke the apps or sessions of another', async () => {
    const owner = await instance.createUser('owner');
    const intruder = await instance.createUser('intruder');
    const ownerBrowser = await signedInBrowser(instance.url, owner);
    const token = await authorize(ownerBrowser);
    const ownerSessions = await ownerBrowser.get('/auth/edit');
    assert.doesNotMatch(ownerSessions.html, /aria-label="Revoke session/, 'its only session is the current one, which has no button');

    // the intruder's own valid form (from a page with a second session of theirs) aimed at the owner's things
    const intruderBrowser = await signedInBrowser(instance.url, intruder);
    await signedInBrowser(instance.url, intruder);
    const { fields } = formFields((await intruderBrowser.get('/auth/edit')).html);
    const appRevoke = await intruderBrowser.post(`/oauth/authorized_applications/${app.id}`, fields);
    assert.equal(appRevoke.status, 404);
    assert.equal((await verify(token)).status, 200);

    await signedInBrowser(instance.url, owner);
    const [, otherSession] = /aria-label="Revoke session (\d+)"/.exec((await ownerBrowser.get('/auth/edit')).html)!;
    const session = await intruderBrowser.post(`/settings/sessions/${otherSession}`, fields);
    assert.equal(session.status, 404);
    assert.match((await ownerBrowser.get('/auth/edit')).html, new RegExp(`Revoke session ${otherSession}`));
  });

  it('signs out another browser when its session is revoked', async () => {
    const member = await instance.createUser('traveller');
    const laptop = await signedInBrowser(instance.url, member);
    const phone = await signedInBrowser(instance.url, member);
    assert.equal((await phone.get('/auth/edit')).status, 200);

    const page = await laptop.get('/auth/edit');
    assert.equal(page.status, 200);
    assert.match(page.html, /Current session/);
    const [, sessionId] = /aria-label="Revoke session (\d+)"/.exec(page.html)!;
    const form = revokeFormFor(page.html, `Revoke session ${sessionId}`);
    assert.equal(form.action, `/settings/sessions/${sessionId}`);
    assert.equal((await laptop.post(form.action, { ...form.fields, authenticity_token: '' })).status, 422);
    assert.equal((await phone.get('/auth/edit')).status, 200, 'a refused form signs nobody out');

    const revoked = await laptop.post(form.action, form.fields);
    assert.equal(revoked.status, 303);
    assert.equal(revoked.location, '/auth/edit');
    const signedOut = await phone.get('/auth/edit');
    assert.equal(signedOut.status, 302, 'the phone is signed out');
    assert.match(signedOut.location!, /^\/auth\/sign_in/);
    assert.equal((await laptop.get('/auth/edit')).status, 200, 'the laptop is still signed in');
  });
});
