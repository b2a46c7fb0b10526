import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { captchaSiteKey, verifyCaptcha } from '../../src/services/accounts/captcha.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('hCaptcha verification for the web sign-up', () => {
  let verifier: HttpReceiver;
  let instance: TestInstance;
  before(async () => {
    verifier = await startHttpReceiver();
    verifier.respond = (request) => ({ status: 200, body: { success: new URLSearchParams(request.body).get('response') === 'solved-token' } });
    instance = await startInstance({ env: { HCAPTCHA_SITE_KEY: 'site-key-1', HCAPTCHA_SECRET_KEY: 'secret-key-1', HCAPTCHA_VERIFY_URL: `${verifier.url}/siteverify` } });
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
});
