import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, eq, sql } from 'drizzle-orm';
import { accounts, users } from '../../src/db/schema.ts';
import { updateSetting, type RegistrationsMode } from '../../src/services/accounts/settings.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { waitForMailLink } from '../helpers/mail.ts';

describe('sign-up through POST /api/v1/accounts', () => {
  let instance: TestInstance;
  let appToken: string;
  let appScopes: string;

  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    await instance.createUser('alice');
    appScopes = 'read write follow push';
    const app = await instance.request('POST', '/api/v1/apps', {
      form: { client_name: 'Signup app', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: appScopes },
    });
    assert.equal(app.status, 200, app.text);
    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read write' },
    });
    assert.equal(token.status, 200, token.text);
    appToken = token.body.access_token;
  });
  after(() => instance.close());

  const mode = (value: RegistrationsMode) => updateSetting(instance.ctx, 'registrations_mode', value);

  async function accountCount(): Promise<number> {
    const [row] = await instance.ctx.db.select({ value: count() }).from(accounts);
    return Number(row!.value);
  }

  function signUp(body: Record<string, unknown>, token: string | null = appToken) {
    return instance.request('POST', '/api/v1/accounts', { token: token ?? undefined, json: body });
  }

  const valid = (name: string, extra: Record<string, unknown> = {}) => ({
    username: name,
    email: `${name}@example.com`,
    password: 'correct horse battery staple',
    agreement: true,
    locale: 'en',
    ...extra,
  });

  /** Waits for the confirmation mail to `email` and returns the link's path. */
  const confirmationPath = (email: string) => waitForMailLink(instance.dataDir, email, '/auth/confirmation');

  it('signs up in open mode: a token that works once the e-mail is confirmed', async () => {
    await mode('open');
    const before = await accountCount();
    const response = await signUp(valid('newbie', { locale: 'de' }));
    assert.equal(response.status, 200, response.text);
    assert.equal(typeof response.body.access_token, 'string');
    assert.equal(response.body.token_type, 'Bearer');
    assert.equal(response.body.scope, appScopes);
    assert.equal(typeof response.body.created_at, 'number');
    assert.equal(await accountCount(), before + 1);

    const [stored] = await instance.ctx.db.select().from(users).where(eq(users.email, 'newbie@example.com'));
    assert.equal(stored!.locale, 'de');
    assert.equal(stored!.approved, true);
    assert.equal(stored!.confirmedAt, null);
    assert.equal(stored!.signUpIp, '127.0.0.1');

    const token = response.body.access_token as string;
    const unconfirmed = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
    assert.equal(unconfirmed.status, 403);
    assert.deepEqual(unconfirmed.body, { error: 'Your login is missing a confirmed e-mail address' });

    const confirmation = await instance.request('GET', await confirmationPath('newbie@example.com'));
    assert.equal(confirmation.status, 200, confirmation.text);

    const me = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.username, 'newbie');
    assert.equal(me.body.acct, 'newbie');
    assert.equal(me.body.source.privacy, 'public');
    assert.equal(me.body.locked, false);

    // the new account is public now
    const shown = await instance.request('GET', `/api/v1/accounts/${me.body.id}`);
    assert.equal(shown.status, 200);
  });

  it('normalises the e-mail address and accepts form bodies with agreement=1', async () => {
    await mode('open');
    const response = await instance.request('POST', '/api/v1/accounts', {
      token: appToken,
      form: { username: 'formuser', email: '  FormUser@Example.COM ', password: 'long enough password', agreement: '1', locale: 'fr' },
    });
    assert.equal(response.status, 200, response.text);
    const [stored] = await instance.ctx.db.select().from(users).where(eq(users.email, 'formuser@example.com'));
    assert.ok(stored);
  });

  it('refuses invalid sign-ups with 422 and details, and writes nothing', async () => {
    await mode('open');
    const before = await accountCount();
    const cases: [Record<string, unknown>, string, string][] = [
      [valid('alice', { email: 'other-alice@example.com' }), 'username', 'ERR_TAKEN'],
      [valid('ALICE', { email: 'upper-alice@example.com' }), 'username', 'ERR_TAKEN'],
      [valid('bad name!'), 'username', 'ERR_INVALID'],
      [valid('', { email: 'blank@example.com' }), 'username', 'ERR_BLANK'],
      [valid('bademail', { email: 'not-an-email' }), 'email', 'ERR_INVALID'],
      [valid('takenemail', { email: 'alice@example.com' }), 'email', 'ERR_TAKEN'],
      [valid('shortpw', { password: 'short' }), 'password', 'ERR_TOO_SHORT'],
      [valid('noagreement', { agreement: false }), 'agreement', 'ERR_ACCEPTED'],
      [valid('stragreement', { agreement: 'no' }), 'agreement', 'ERR_ACCEPTED'],
      [{ username: 'noagreement2', email: 'noagreement2@example.com', password: 'long enough password' }, 'agreement', 'ERR_ACCEPTED'],
    ];
    for (const [body, field, code] of cases) {
      const response = await signUp(body);
      assert.equal(response.status, 422, `${JSON.stringify(body)}: ${response.text}`);
      assert.match(response.body.error, /^Validation failed: /);
      assert.ok(Array.isArray(response.body.details?.[field]), `${field} in ${response.text}`);
      assert.equal(response.body.details[field][0].error, code, response.text);
      assert.equal(typeof response.body.details[field][0].description, 'string');
    }

    const several = await signUp({ username: 'alice', email: 'nope', password: 'x', agreement: true });
    assert.equal(several.status, 422);
    assert.deepEqual(Object.keys(several.body.details).sort(), ['email', 'password', 'username']);

    assert.equal(await accountCount(), before);
  });

  it('needs an app token with write:accounts', async () => {
    await mode('open');
    const before = await accountCount();
    const anonymous = await signUp(valid('anon'), null);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.body, { error: 'The access token is invalid' });

    const app = await instance.request('POST', '/api/v1/apps', { form: { client_name: 'Reader', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read' } });
    const readOnly = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read' },
    });
    const refused = await signUp(valid('readonly'), readOnly.body.access_token);
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, { error: 'This action is outside the authorized scopes' });

    const narrow = await instance.request('POST', '/api/v1/apps', {
      form: { client_name: 'Narrow', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write:accounts' },
    });
    const narrowToken = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: narrow.body.client_id, client_secret: narrow.body.client_secret, scope: 'write:accounts' },
    });
    const accepted = await signUp(valid('narrow'), narrowToken.body.access_token);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.scope, 'read write:accounts');
    assert.equal(await accountCount(), before + 1);
  });

  it('keeps new members pending in approval mode', async () => {
    await mode('approved');
    const response = await signUp(valid('pending', { reason: 'I like it here' }));
    assert.equal(response.status, 200, response.text);
    const [stored] = await instance.ctx.db.select().from(users).where(eq(users.email, 'pending@example.com'));
    assert.equal(stored!.approved, false);
    assert.equal(stored!.inviteRequestText, 'I like it here');

    const token = response.body.access_token as string;
    const unconfirmed = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
    assert.equal(unconfirmed.status, 403);
    assert.deepEqual(unconfirmed.body, { error: 'Your login is missing a confirmed e-mail address' });

    const confirmation = await instance.request('GET', await confirmationPath('pending@example.com'));
    assert.equal(confirmation.status, 200);
    const waiting = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token });
    assert.equal(waiting.status, 403);
    assert.deepEqual(waiting.body, { error: 'Your login is currently pending approval' });

    // not public while pending
    const shown = await instance.request('GET', `/api/v1/accounts/${stored!.accountId}`);
    assert.equal(shown.status, 404);
  });

  it('asks for a reason when the admin requires one', async () => {
    await mode('approved');
    await updateSetting(instance.ctx, 'require_invite_text', true);
    try {
      const before = await accountCount();
      const missing = await signUp(valid('noreason'));
      assert.equal(missing.status, 422, missing.text);
      assert.equal(missing.body.details.reason[0].error, 'ERR_BLANK');
      const blank = await signUp(valid('blankreason', { reason: '   ' }));
      assert.equal(blank.status, 422);
      assert.equal(await accountCount(), before);

      const given = await signUp(valid('withreason', { reason: 'Friends are here' }));
      assert.equal(given.status, 200, given.text);
      const instanceInfo = await instance.request('GET', '/api/v2/instance');
      assert.equal(instanceInfo.body.registrations.reason_required, true);
      assert.equal(instanceInfo.body.registrations.approval_required, true);
    } finally {
      await updateSetting(instance.ctx, 'require_invite_text', false);
    }
  });

  it('refuses every sign-up when registrations are closed, writing nothing', async () => {
    await mode('none');
    const before = await accountCount();
    const response = await signUp(valid('closed'));
    assert.equal(response.status, 403);
    assert.deepEqual(response.body, { error: 'This action is not allowed' });
    assert.equal(await accountCount(), before);
    const [row] = await instance.ctx.db.select({ value: count() }).from(users).where(sql`lower(${users.email}) = 'closed@example.com'`);
    assert.equal(Number(row!.value), 0);
  });
});
