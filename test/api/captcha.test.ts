import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { captchaSiteKey, verifyCaptcha } from '../../src/services/accounts/captcha.ts';
import { eq } from 'drizzle-orm';
import { accounts } from '../../src/db/schema.ts';
import { Browser, formFields } from '../helpers/browser.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('hCaptcha verification for the web sign-up', () => {
  let verifier: HttpReceiver;
  let instance: TestInstance;
  before(async () => {
    verifier = await startHttpReceiver();
    verifier.respond = (request) => ({ status: 200, body: { success: new URLSearchParams(request.body).get('response') === 'solved-token' } });
    instance = await startInstance({ registrations: 'open', env: { HCAPTCHA_SITE_KEY: 'site-key-1', HCAPTCHA_SECRET_KEY: 'secret-key-1', HCAPTCHA_VERIFY_URL: `${verifier.url}/siteverify` } });
  });
  after(async () => {
    await instance.close();
    await verifier.close();
  });

  it('asks the verification endpoint with the secret, the response, the address and the site key', async () => {
    assert.equal(captchaSiteKey(instance.ctx), 'site-key-1');
    assert.equal(await verifyCaptcha(instance.ctx, 'solved-token', '203.0.113.9'), true);
    const [request] = verifier.received;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.path, '/siteverify');
    assert.equal(request!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request!.body)), { secret: 'secret-key-1', response: 'solved-token', remoteip: '203.0.113.9', sitekey: 'site-key-1' });
  });

  it('fails a wrong or missing response, and an endpoint that errs, without letting the sign-up through', async () => {
    const asked = verifier.received.length;
    assert.equal(await verifyCaptcha(instance.ctx, 'forged-token', '203.0.113.9'), false);
    assert.equal(await verifyCaptcha(instance.ctx, undefined, '203.0.113.9'), false);
    assert.equal(await verifyCaptcha(instance.ctx, '', '203.0.113.9'), false);
    // a missing response is refused without asking
    assert.equal(verifier.received.length, asked + 1);
    verifier.respond = () => ({ status: 500, body: { error: 'down' } });
    assert.equal(await verifyCaptcha(instance.ctx, 'solved-token', '203.0.113.9'), false);
  });

  it('is off unless both keys are set', async () => {
    for (const env of [{}, { HCAPTCHA_SITE_KEY: 'only-site' }, { HCAPTCHA_SECRET_KEY: 'only-secret' }]) {
      const config = loadConfig({ ...instance.env, HCAPTCHA_SITE_KEY: '', HCAPTCHA_SECRET_KEY: '', ...env });
      const ctx = { config, log: instance.ctx.log };
      assert.equal(captchaSiteKey(ctx), undefined);
      assert.equal(await verifyCaptcha(ctx, undefined, '203.0.113.9'), true);
    }
    assert.throws(() => loadConfig({ ...instance.env, HCAPTCHA_SITE_KEY: 'a', HCAPTCHA_SECRET_KEY: 'b', HCAPTCHA_VERIFY_URL: 'ftp://x' }), /HCAPTCHA_VERIFY_URL/);
  });

  it('puts the widget on the web sign-up page, allows hCaptcha in its policy, and signs up only with a solved captcha', async () => {
    verifier.respond = (request) => ({ status: 200, body: { success: new URLSearchParams(request.body).get('response') === 'solved-token' } });
    const browser = new Browser(instance.url);
    const page = await browser.get('/auth/sign_up');
    assert.equal(page.status, 200);
    assert.match(page.html, /<script src="https:\/\/js\.hcaptcha\.com\/1\/api\.js" async defer><\/script>/);
    assert.match(page.html, /<div class="h-captcha" data-sitekey="site-key-1">/);
    const policy = page.headers.get('content-security-policy')!;
    for (const directive of ['script-src', 'frame-src', 'style-src', 'connect-src']) {
      assert.match(policy, new RegExp(`${directive} [^;]*https://hcaptcha\\.com https://\\*\\.hcaptcha\\.com`), directive);
    }
    assert.doesNotMatch(policy, /unsafe-inline/);
    assert.match(policy, /frame-ancestors 'none'/);

    const { fields } = formFields(page.html);
    const form = {
      ...fields,
      'user[account_attributes][username]': 'captcha_person',
      'user[email]': 'captcha_person@example.com',
      'user[password]': 'correct horse battery',
      'user[password_confirmation]': 'correct horse battery',
      'user[agreement]': '1',
    };
    const exists = async () => (await instance.ctx.db.select().from(accounts).where(eq(accounts.username, 'captcha_person'))).length > 0;
    for (const response of [undefined, 'forged-token']) {
      const refused = await browser.post('/auth/sign_up', response === undefined ? form : { ...form, 'h-captcha-response': response });
      assert.equal(refused.status, 422, refused.html);
      assert.match(refused.html, /The CAPTCHA could not be verified/);
      assert.equal(await exists(), false);
    }
    const accepted = await browser.post('/auth/sign_up', { ...form, 'h-captcha-response': 'solved-token' });
    assert.equal(accepted.status, 303, accepted.html);
    assert.equal(await exists(), true);
  });

  it('leaves the sign-up page without widget and with the strict policy when the captcha is off', async () => {
    const plain = await startInstance({ registrations: 'open' });
    try {
      const page = await new Browser(plain.url).get('/auth/sign_up');
      assert.doesNotMatch(page.html, /hcaptcha|<script/);
      assert.doesNotMatch(page.headers.get('content-security-policy')!, /hcaptcha|script-src/);
    } finally {
      await plain.close();
    }
  });
});
