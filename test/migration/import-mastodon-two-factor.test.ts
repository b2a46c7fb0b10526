import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { Browser, formFields } from '../helpers/browser.ts';
import { startInstance, type TestEnvironment, type TestInstance } from '../helpers/instance.ts';
import { importIntoNewInstance, startMastodonSource, type MastodonSource } from '../helpers/mastodon-source.ts';
import { addTwoFactorMembers, MASTODON_KEYS, type SecurityKey, type TwoFactorFixture, type TwoFactorMember } from '../helpers/mastodon-source-two-factor.ts';

/** The instance's web address, which is the security keys' origin (its host their relying party). */
const ORIGIN = 'http://subspace.test';

/** What an authenticator answers to `navigator.credentials.get()` with `key`, for the options the sign-in page fetched. */
function assertion(key: SecurityKey, options: { challenge: string; rpId: string }, signCount: number) {
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: ORIGIN, crossOrigin: false }));
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(signCount);
  // the relying party's hash, the user-present flag, the signature counter
  const authenticatorData = Buffer.concat([createHash('sha256').update(options.rpId).digest(), Buffer.from([0x01]), counter]);
  const signature = sign('sha256', Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]), key.privateKey);
  return {
    id: key.id,
    rawId: key.id,
    type: 'public-key',
    response: {
      clientDataJSON: clientDataJSON.toString('base64url'),
      authenticatorData: authenticatorData.toString('base64url'),
      signature: signature.toString('base64url'),
      userHandle: key.userHandle,
    },
    clientExtensionResults: {},
  };
}

describe('subspace import mastodon: two-factor sign-in (TOTP secrets, recovery codes, security keys) and scheduled statuses', () => {
  let source: MastodonSource;
  let members: TwoFactorFixture;
  let environment: TestEnvironment;
  let instance: TestInstance;
  let run: { code: number | string; output: string };

  before(async () => {
    source = await startMastodonSource({ domain: 'subspace.test', baseUrl: ORIGIN });
    members = await addTwoFactorMembers(source);
    // Mastodon's keys, from the same variables as its .env.production
    ({ environment, run } = await importIntoNewInstance(source, { env: MASTODON_KEYS }));
    instance = await startInstance({ environment, roles: { web: true }, keepEnvironment: true });
  });
  after(async () => {
    await instance?.close();
    await environment?.cleanup();
    await source?.close();
  });

  /** The password step in a new browser: answers the browser and the page it got. */
  async function password(member: { email: string; password: string }) {
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_in');
    const form = formFields(page.html);
    const answer = await browser.post(form.action, { ...form.fields, 'user[email]': member.email, 'user[password]': member.password });
    return { browser, answer };
  }

  const secondStep = (browser: Browser, page: string, code: string) => browser.post('/auth/sign_in', { ...formFields(page).fields, 'user[otp_attempt]': code });
  const signedIn = async (browser: Browser) => (await browser.get('/auth/edit')).status === 200;

  it('reports the members whose secret could not be read, and no longer leaves security keys out', () => {
    assert.equal(run.code, 0, run.output);
    // bob's otp_secret is no Active Record message: he signs in with his password alone
    assert.match(run.output, /users: 1 × two-factor authentication \(TOTP\) whose secret could not be decrypted with the keys given/);
    assert.match(run.output, /security keys: 2\n/);
    assert.match(run.output, /security keys: 1 × security keys \(WebAuthn\) of members whose TOTP was not carried/);
    assert.doesNotMatch(run.output, /security keys \(WebAuthn\): their owners/);
    assert.match(run.output, /scheduled statuses: 1\n/);
    assert.doesNotMatch(run.output, /scheduled statuses \(their authors/);
    assert.doesNotMatch(run.output, /media of scheduled statuses/);
  });

  for (const [name, format] of [
    ['hatter', 'Mastodon 4.3+ (Active Record encryption, key derived with SHA-256)'],
    ['hare', 'Mastodon 4.3+ with a key derived with SHA-1 (Rails 7.0)'],
    ['dormouse', 'before Mastodon 4.3 (attr_encrypted with OTP_SECRET)'],
  ] as const) {
    it(`asks ${name} for the code after the password, and a code from the secret kept on Mastodon signs in: ${format}`, async () => {
      const member: TwoFactorMember = members[name];
      const { browser, answer } = await password(member);
      assert.equal(answer.status, 200, answer.html);
      assert.match(answer.html, /name="user\[otp_attempt\]"/);
      assert.equal(await signedIn(browser), false, 'the password alone signs nobody in');
      const wrong = await secondStep(browser, answer.html, '000000');
      assert.equal(wrong.status, 401);
      const right = await secondStep(browser, wrong.html, await generate({ secret: member.otpSecret }));
      assert.equal(right.status, 303, right.html);
      assert.equal(await signedIn(browser), true);
    });
  }

  it('takes a recovery code made on Mastodon once, and signs bob in with his password alone (his secret was not carried)', async () => {
    const { hatter } = members;
    const first = await password(hatter);
    assert.equal((await secondStep(first.browser, first.answer.html, hatter.recoveryCodes[1]!)).status, 303);
    assert.equal(await signedIn(first.browser), true);
    const again = await password(hatter);
    assert.equal((await secondStep(again.browser, again.answer.html, hatter.recoveryCodes[1]!)).status, 401, 'a recovery code is good once');

    const bob = await password({ email: 'bob@mail.example', password: 'bob-old-password' });
    assert.equal(bob.answer.status, 303, bob.answer.html);
    assert.equal(await signedIn(bob.browser), true);
  });

  it('keeps a status scheduled on Mastodon, with the upload it reserves, for its author to see and publish', async () => {
    const { scheduled } = members;
    const list = await instance.request('GET', '/api/v1/scheduled_statuses', { token: scheduled.token });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.map((item: any) => [item.id, item.scheduled_at, item.params.text, item.params.visibility, item.params.media_ids]),
      [[scheduled.id, '2099-01-01T16:00:00.000Z', 'Tea at four, always', 'unlisted', [scheduled.media]]],
    );
    assert.deepEqual(
      list.body[0].media_attachments.map((media: any) => [media.id, media.description]),
      [[scheduled.media, 'A teapot at four']],
    );
    const other = await instance.request('GET', `/api/v1/scheduled_statuses/${scheduled.id}`, { token: source.fixture.tokens.bob });
    assert.equal(other.status, 404, "nobody else's");
  });

  it("lists the member's security key in the settings, and signs in with it", async () => {
    const { hatter, hatterKey } = members;
    const { browser, answer } = await password(hatter);
    assert.equal(answer.status, 200);
    const optionsPage = await browser.get('/auth/sessions/security_key_options');
    assert.equal(optionsPage.status, 200, optionsPage.html);
    const options = JSON.parse(optionsPage.html);
    assert.deepEqual(
      options.allowCredentials.map((credential: { id: string }) => credential.id),
      [hatterKey.id],
    );
    const answered = await browser.postJson('/auth/sign_in', { ...formFields(answer.html).fields, user: { credential: assertion(hatterKey, options, hatterKey.signCount + 1) } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.redirect_path, '/home');
    assert.equal(await signedIn(browser), true);

    const keys = await browser.get('/settings/security_keys');
    assert.equal(keys.status, 200);
    assert.match(keys.html, /Hat band key/);

    // the signature counter Mastodon had is kept: an answer counting from before it is refused
    const replay = await password(hatter);
    const replayOptions = JSON.parse((await replay.browser.get('/auth/sessions/security_key_options')).html);
    const stale = await replay.browser.postJson('/auth/sign_in', { ...formFields(replay.answer.html).fields, user: { credential: assertion(hatterKey, replayOptions, hatterKey.signCount) } });
    assert.equal(stale.status, 422);
    assert.equal(await signedIn(replay.browser), false);
  });
});
