import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setEmailDnsResolver } from '../../src/services/accounts/email-mx.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { signedUpUser, signUp, signUpAppToken } from '../helpers/sign-up.ts';

const BLOCKED = { email: [{ error: 'ERR_BLOCKED', description: 'uses a disallowed e-mail provider' }] };

/** EMAIL_DOMAIN_ALLOWLIST and EMAIL_DOMAIN_DENYLIST (BlacklistedEmailValidator's configuration checks), at sign-up. */
describe('sign-ups by the configured e-mail domain lists', () => {
  let instance: TestInstance;
  let appToken: string;
  before(async () => {
    instance = await startInstance({ registrations: 'open', env: { EMAIL_DOMAIN_ALLOWLIST: 'example.com|Allowed.test', EMAIL_DOMAIN_DENYLIST: 'bad.example.com' } });
    // every domain receives mail
    setEmailDnsResolver(instance.ctx, { mailExchangers: async (domain) => [`mx.${domain}`], addresses: async () => ['192.0.2.10'] });
    appToken = await signUpAppToken(instance);
  });
  after(() => instance.close());

  it('takes sign-ups only from the allowed domains and their subdomains, and none from denied ones', async () => {
    for (const [username, email] of [
      ['plain', 'plain@example.com'],
      ['sub', 'sub@mail.allowed.test'],
    ]) {
      const response = await signUp(instance, appToken, username!, { email });
      assert.equal(response.status, 200, `${email}: ${response.text}`);
    }
    for (const [username, email] of [
      ['outsider', 'outsider@elsewhere.test'],
      ['lookalike', 'lookalike@notexample.com'],
      ['denied', 'denied@bad.example.com'],
      ['deniedsub', 'deniedsub@x.bad.example.com'],
    ]) {
      const response = await signUp(instance, appToken, username!, { email });
      assert.equal(response.status, 422, `${email}: ${response.text}`);
      assert.deepEqual(response.body.details, BLOCKED);
      assert.equal(await signedUpUser(instance, email!), undefined);
    }
  });

  it('reads the lists, with Mastodon’s default denylist', async () => {
    const { loadConfig } = await import('../../src/config/index.ts');
    const base = { SUBSPACE_DATA_DIR: instance.dataDir, SECRET_KEY_BASE: 'x'.repeat(64) };
    assert.deepEqual(loadConfig(base).emailDomainDenylist, ['mvrht.com']);
    assert.deepEqual(loadConfig(base).emailDomainAllowlist, []);
    assert.deepEqual(loadConfig({ ...base, EMAIL_DOMAIN_WHITELIST: 'a.test|b.test', EMAIL_DOMAIN_BLACKLIST: '' }).emailDomainAllowlist, ['a.test', 'b.test']);
    assert.deepEqual(loadConfig({ ...base, EMAIL_DOMAIN_DENYLIST: 'x.test' }).emailDomainDenylist, ['x.test']);
  });
});
