import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { users } from '../../src/db/schema.ts';
import { modifyUser } from '../../src/services/accounts/modify-user.ts';
import { Browser, formFields, signedInBrowser } from '../helpers/browser.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { mailsTo } from '../helpers/mail.ts';
import { until } from '../helpers/until.ts';

const REDIRECT = 'https://client.example/callback';
const STEP_SECONDS = 30;

/**
 * Codes from an authenticator app holding `secret`: each one for a later time step than the last
 * (the server takes a step once), within the step before or after the current one that it accepts.
 */
function authenticator(secret: string) {
  let lastStep = -Infinity;
  return {
    async next(): Promise<string> {
      const current = Math.floor(Date.now() / 1000 / STEP_SECONDS);
      const step = Math.max(lastStep + 1, current - 1);
      assert.ok(step <= current + 1, 'no time step left for another code');
      lastStep = step;
      return generate({ secret, epoch: step * STEP_SECONDS });
    },
  };
}

describe('two-factor sign-in with an authenticator app and recovery codes, sign-in history (/settings/two_factor_authentication_methods, /auth/sign_in)', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  /** Turns TOTP on through the settings pages; answers the app, the recovery codes shown and the browser. */
  async function enableTwoFactor(member: TestUser) {
    const browser = await signedInBrowser(instance.url, member);
    const methods = await browser.get('/settings/two_factor_authentication_methods');
    assert.equal(methods.status, 200);
    assert.match(methods.html, /Two-factor authentication is off/);
    assert.match(methods.html, /href="\/settings\/otp_authentication"/);

    const setup = await browser.get('/settings/otp_authentication');
    assert.equal(setup.status, 200, setup.html);
    assert.match(setup.html, /<img class="qr-code" src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="QR code of the two-factor secret"/);
    const secret = /<code class="token" id="otp_secret">([A-Z2-7]{32})<\/code>/.exec(setup.html)?.[1];
    assert.ok(secret, setup.html);
    assert.equal(/id="otp_secret">([A-Z2-7]+)</.exec((await browser.get('/settings/otp_authentication')).html)?.[1], secret, 'the same secret until it is confirmed');
    const app = authenticator(secret);
    const form = formFields(setup.html);
    assert.equal(form.action, '/settings/otp_authentication');

    const wrongPassword = await browser.post(form.action, { ...form.fields, 'form_two_factor_confirmation[otp_attempt]': '123456', 'form_two_factor_confirmation[current_password]': 'wrong' });
    assert.equal(wrongPassword.status, 422);
    assert.match(wrongPassword.html, /Invalid password/);
    const wrongCode = await browser.post(form.action, { ...form.fields, 'form_two_factor_confirmation[otp_attempt]': '000000', 'form_two_factor_confirmation[current_password]': member.password });
    assert.equal(wrongCode.status, 422);
    assert.match(wrongCode.html, /The code you entered was invalid/);
    assert.match((await browser.get('/settings/two_factor_authentication_methods')).html, /Two-factor authentication is off/, 'refused forms turn nothing on');

    const enabled = await browser.post(form.action, {
      ...form.fields,
      'form_two_factor_confirmation[otp_attempt]': await app.next(),
      'form_two_factor_confirmation[current_password]': member.password,
    });
    assert.equal(enabled.status, 200, enabled.html);
    assert.match(enabled.html, /Two-factor authentication is now on/);
    const codes = [...enabled.html.matchAll(/<li><code>([0-9a-f]{16})<\/code><\/li>/g)].map((match) => match[1]!);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);

    const on = await browser.get('/settings/two_factor_authentication_methods');
    assert.match(on.html, /Two-factor authentication is on/);
    assert.match(on.html, /10 unused recovery codes left/);
    assert.doesNotMatch(on.html, /[0-9a-f]{16}/, 'the codes are shown once');
    assert.equal((await browser.get('/settings/otp_authentication')).location, '/settings/two_factor_authentication_methods');
    return { app, codes, browser };
  }

  /** The first step of signing in, in a new browser (or `browser`); answers the browser and the page it got. */
  async function password(member: TestUser, browser = new Browser(instance.url), path = '/auth/sign_in') {
    const page = await browser.get(path);
    const form = formFields(page.html);
    const answer = await browser.post(form.action, { ...form.fields, 'user[email]': member.email, 'user[password]': member.password });
    return { browser, answer };
  }

  async function secondStep(browser: Browser, page: string, code: string) {
    const form = formFields(page);
    assert.equal(form.action, '/auth/sign_in');
    return browser.post(form.action, { ...form.fields, 'user[otp_attempt]': code });
  }

  const signedInTo = async (browser: Browser) => (await browser.get('/auth/edit')).status === 200;

  it('asks for a code from the app after the password; a code works once; a recovery code works once; the history shows each try', async () => {
    const member = await instance.createUser('totp', { password: 'totp password 1' });
    const { app, codes } = await enableTwoFactor(member);

    const { browser, answer } = await password(member);
    assert.equal(answer.status, 200, answer.html);
    assert.match(answer.html, /Two-factor authentication/);
    assert.match(answer.html, /name="user\[otp_attempt\]"/);
    assert.doesNotMatch(answer.html, /<script/, 'no script without security keys');
    assert.equal(await signedInTo(browser), false, 'the password alone signs nobody in');

    const wrong = await secondStep(browser, answer.html, '123456');
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /Invalid two-factor authentication code/);
    assert.equal(await signedInTo(browser), false);

    const code = await app.next();
    const right = await secondStep(browser, wrong.html, code);
    assert.equal(right.status, 303, right.html);
    assert.equal(right.location, '/home');
    assert.equal(await signedInTo(browser), true);

    // the same code again, in another browser that got past the password
    const replay = await password(member);
    const replayed = await secondStep(replay.browser, replay.answer.html, code);
    assert.equal(replayed.status, 401, 'a code is good once');
    assert.equal(await signedInTo(replay.browser), false);

    const recovered = await secondStep(replay.browser, replayed.html, codes[0]!);
    assert.equal(recovered.status, 303, recovered.html);
    assert.equal(await signedInTo(replay.browser), true);
    const again = await password(member);
    assert.equal((await secondStep(again.browser, again.answer.html, codes[0]!)).status, 401, 'a recovery code is good once');
    assert.match((await browser.get('/settings/two_factor_authentication_methods')).html, /9 unused recovery codes left/);

    // a wrong password is history too
    const badPassword = new Browser(instance.url);
    const page = await badPassword.get('/auth/sign_in');
    assert.equal((await badPassword.post('/auth/sign_in', { ...formFields(page.html).fields, 'user[email]': member.email, 'user[password]': 'nope' }, { 'user-agent': 'Guessing/1.0' })).status, 401);

    const history = await browser.get('/settings/login_activities');
    assert.equal(history.status, 200);
    const rows = [...history.html.matchAll(/<tr><td><time[^>]*>[^<]*<\/time><\/td><td>(\w+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map(
      (match) => `${match[1]} ${match[2]}`,
    );
    assert.deepEqual(rows, [
      'Failed password',
      'Failed two-factor code',
      'Successful two-factor code',
      'Failed two-factor code',
      'Successful two-factor code',
      'Failed two-factor code',
      'Successful password',
    ]);
    assert.match(history.html, /<td>127\.0\.0\.1<\/td><td>Guessing\/1\.0<\/td>/);
    assert.match((await browser.get('/auth/edit')).html, /href="\/settings\/login_activities"/);
  });

  it('signs out a browser signed in with two factors when its session is revoked', async () => {
    const member = await instance.createUser('revoked');
    const { app, browser: laptop } = await enableTwoFactor(member);
    const { browser: phone, answer } = await password(member);
    assert.equal((await secondStep(phone, answer.html, await app.next())).status, 303);
    const sessions = await laptop.get('/auth/edit');
    const [, sessionId] = /aria-label="Revoke session (\d+)"/.exec(sessions.html)!;
    const forms = [...sessions.html.matchAll(/<form[^>]*>[\s\S]*?<\/form>/g)];
    const form = formFields(
      sessions.html,
      forms.findIndex((match) => match[0].includes(`Revoke session ${sessionId}`)),
    );
    assert.equal((await laptop.post(form.action, form.fields)).status, 303);
    assert.equal(await signedInTo(phone), false);
    assert.equal(await signedInTo(laptop), true);
  });

  it('refuses a second step without a first, a security key of a member without any, and a step whose password changed meanwhile', async () => {
    const member = await instance.createUser('stepper');
    const { app } = await enableTwoFactor(member);
    const stranger = new Browser(instance.url);
    const page = await stranger.get('/auth/sign_in');
    const alone = await stranger.post('/auth/sign_in', { ...formFields(page.html).fields, 'user[otp_attempt]': '123456' });
    assert.equal(alone.status, 401);
    assert.match(alone.html, /name="user\[email\]"/, 'back to the password');
    const options = await instance.request('GET', '/auth/sessions/security_key_options');
    assert.equal(options.status, 401);
    assert.match(options.body.error, /not enabled/);

    const { browser, answer } = await password(member);
    const keyOptions = await browser.get('/auth/sessions/security_key_options');
    assert.equal(keyOptions.status, 401, 'no keys, no options');
    const key = await browser.post('/auth/sign_in', { ...formFields(answer.html).fields, 'user[credential][id]': 'made-up', 'user[credential][type]': 'public-key' });
    assert.equal(key.status, 422);
    assert.match(JSON.parse(key.html).error, /could not be verified/);

    await modifyUser(instance.ctx, (await instance.ctx.db.select().from(users).where(eq(users.id, member.userId)))[0]!, { password: 'a brand new password' });
    const stale = await secondStep(browser, answer.html, await app.next());
    assert.equal(stale.status, 401);
    assert.match(stale.html, /Your session expired/);
    assert.equal(await signedInTo(browser), false);
  });

  it('refuses codes after ten tries in an hour, even the right one', async () => {
    const member = await instance.createUser('guessed');
    const { app } = await enableTwoFactor(member);
    const { browser, answer } = await password(member);
    let page = answer.html;
    for (let i = 0; i < 10; i++) {
      const wrong = await secondStep(browser, page, String(100000 + i));
      assert.equal(wrong.status, 401);
      page = wrong.html;
    }
    const limited = await secondStep(browser, page, await app.next());
    assert.equal(limited.status, 429);
    assert.match(limited.html, /Too many authentication attempts/);
    assert.equal(await signedInTo(browser), false);
  });

  it('asks for the code in the OAuth authorization flow, then shows the consent page; the password grant stays refused', async () => {
    const member = await instance.createUser('oauthtotp');
    const { app } = await enableTwoFactor(member);
    const created = await instance.request('POST', '/api/v1/apps', { json: { client_name: 'Pocket Client', redirect_uris: REDIRECT, scopes: 'read' } });
    const authorize = `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: created.body.client_id, redirect_uri: REDIRECT, scope: 'read' })}`;

    const { browser, answer } = await password(member, new Browser(instance.url), authorize);
    assert.equal(answer.status, 200);
    assert.match(answer.html, /name="user\[otp_attempt\]"/);
    const signedIn = await secondStep(browser, answer.html, await app.next());
    assert.equal(signedIn.status, 303);
    assert.match(signedIn.location!, /^\/oauth\/authorize\?/, 'back to the authorization');
    const consent = await browser.get(signedIn.location!);
    assert.equal(consent.status, 200);
    assert.match(consent.html, /Pocket Client<\/strong> would like permission/);

    const grant = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'password', client_id: created.body.client_id, client_secret: created.body.client_secret, username: member.email, password: member.password, scope: 'read' },
    });
    assert.equal(grant.status, 400);
    assert.equal(grant.body.error, 'unsupported_grant_type');
  });

  it('regenerates recovery codes with the password, and turns two-factor sign-in off with a code', async () => {
    const member = await instance.createUser('toggler');
    const { codes, browser } = await enableTwoFactor(member);
    const methods = await browser.get('/settings/two_factor_authentication_methods');
    const regenerate = formFields(methods.html, 1);
    assert.equal(regenerate.action, '/settings/two_factor_authentication/recovery_codes');
    assert.equal((await browser.post(regenerate.action, { ...regenerate.fields, 'form_challenge[current_password]': 'wrong' })).status, 422);
    const regenerated = await browser.post(regenerate.action, { ...regenerate.fields, 'form_challenge[current_password]': member.password });
    assert.equal(regenerated.status, 200);
    const fresh = [...regenerated.html.matchAll(/<li><code>([0-9a-f]{16})<\/code><\/li>/g)].map((match) => match[1]!);
    assert.equal(fresh.length, 10);

    const disable = formFields(methods.html, 0);
    assert.equal(disable.action, '/settings/two_factor_authentication_methods/disable');
    const stale = await browser.post(disable.action, { ...disable.fields, 'form_two_factor_confirmation[otp_attempt]': codes[1]! });
    assert.equal(stale.status, 422, 'the old codes stopped working');
    const off = await browser.post(disable.action, { ...disable.fields, 'form_two_factor_confirmation[otp_attempt]': fresh[0]! });
    assert.equal(off.status, 200, off.html);
    assert.match(off.html, /Two-factor authentication is now off/);

    const { answer } = await password(member);
    assert.equal(answer.status, 303, 'the password is enough again');
    assert.equal((await browser.get('/settings/security_keys')).status, 403, 'security keys need two-factor authentication on');

    // each change is mailed to the member, as Mastodon's UserMailer does
    const subjects = () => mailsTo(instance.dataDir, member.email).map((mail) => /^Subject: (.*)$/m.exec(mail)?.[1]?.trim() ?? '');
    const expected = ['Two-factor authentication enabled', 'Two-factor recovery codes changed', 'Two-factor authentication disabled'].map((subject) => `Subspace: ${subject}`);
    await until(async () => expected.every((subject) => subjects().includes(subject)) || undefined, 'the three mails');
  });
});
