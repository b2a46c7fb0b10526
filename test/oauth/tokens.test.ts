import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, isNotNull } from 'drizzle-orm';
import { oauthAccessTokens, oauthApplications } from '../../src/db/schema.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';

describe('OAuth apps, client credentials, scopes and revocation', () => {
  let instance: TestInstance;

  before(async () => {
    instance = await startInstance();
  });
  after(() => instance.close());

  async function registerApp(scopes = 'read write') {
    const created = await instance.request('POST', '/api/v1/apps', {
      form: { client_name: 'Bot', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes },
    });
    assert.equal(created.status, 200, created.text);
    return created.body as { id: string; client_id: string; client_secret: string };
  }

  it('registers an app as Mastodon answers it', async () => {
    const created = await instance.request('POST', '/api/v1/apps', {
      json: { client_name: 'Elk', redirect_uris: ['https://elk.example/callback', 'urn:ietf:wg:oauth:2.0:oob'], scopes: 'read write follow push', website: 'https://elk.zone' },
    });
    assert.equal(created.status, 200);
    assert.equal(typeof created.body.id, 'string');
    assert.equal(created.body.name, 'Elk');
    assert.equal(created.body.website, 'https://elk.zone');
    assert.deepEqual(created.body.scopes, ['read', 'write', 'follow', 'push']);
    assert.deepEqual(created.body.redirect_uris, ['https://elk.example/callback', 'urn:ietf:wg:oauth:2.0:oob']);
    assert.equal(created.body.redirect_uri, 'https://elk.example/callback\nurn:ietf:wg:oauth:2.0:oob');
    assert.equal(created.body.client_id.length, 43);
    assert.equal(created.body.client_secret.length, 43);
    assert.equal(created.body.client_secret_expires_at, 0);
  });

  it('refuses bad app registrations with 422 and writes nothing', async () => {
    const [{ value: before }] = await instance.ctx.db.select({ value: count() }).from(oauthApplications);
    for (const body of [
      { redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' },
      { client_name: 'x', redirect_uris: '' },
      { client_name: 'x', redirect_uris: 'not a uri' },
      { client_name: 'x', redirect_uris: 'https://a.example/#fragment' },
      { client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read destroy:everything' },
      { client_name: 'x'.repeat(61), redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' },
      { client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', website: 'javascript:alert(1)' },
      { client_name: { nested: true }, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' },
    ]) {
      const response = await instance.request('POST', '/api/v1/apps', { json: body });
      assert.equal(response.status, 422, JSON.stringify(body));
      assert.match(response.body.error, /^Validation failed/);
    }
    const malformed = await instance.request('POST', '/api/v1/apps', { headers: { 'content-type': 'application/json' }, json: undefined, form: undefined });
    assert.ok(malformed.status === 422 || malformed.status === 400);
    const broken = await fetch(new URL('/api/v1/apps', instance.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_name":' });
    assert.equal(broken.status, 400);
    assert.ok(((await broken.json()) as { error: string }).error);
    const [{ value: afterCount }] = await instance.ctx.db.select({ value: count() }).from(oauthApplications);
    assert.equal(afterCount, before);
  });

  it('issues client_credentials tokens within the app scopes', async () => {
    const app = await registerApp('read write');
    const token = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read' },
    });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'read');

    const appInfo = await instance.request('GET', '/api/v1/apps/verify_credentials', { token: token.body.access_token });
    assert.equal(appInfo.status, 200);
    assert.equal(appInfo.body.name, 'Bot');
    assert.equal(appInfo.body.client_secret, undefined);

    // an app token has no user behind it
    const me = await instance.request('GET', '/oauth/userinfo', { token: token.body.access_token });
    assert.equal(me.status, 403);

    const broader = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read admin:read' },
    });
    assert.equal(broader.status, 400);
    assert.equal(broader.body.error, 'invalid_scope');

    const wrongSecret = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.client_id, client_secret: 'nope' },
    });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');

    const password = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'password', client_id: app.client_id, client_secret: app.client_secret, username: 'a', password: 'b' },
    });
    assert.equal(password.status, 400);
    assert.equal(password.body.error, 'unsupported_grant_type');
  });

  it('enforces scopes with their hierarchy: 403 outside them', async () => {
    const readOnly = await instance.createUser('reader', { scopes: 'read' });
    const profileOnly = await instance.createUser('profiler', { scopes: 'profile' });

    const forbidden = await instance.request('GET', '/oauth/userinfo', { token: readOnly.token });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.body, { error: 'This action is outside the authorized scopes' });

    const allowed = await instance.request('GET', '/oauth/userinfo', { token: profileOnly.token });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.preferred_username, 'profiler');
    assert.equal(allowed.body.sub, 'http://subspace.test/users/profiler');
    assert.equal(allowed.body.profile, 'http://subspace.test/@profiler');
    assert.equal(allowed.body.iss, 'http://subspace.test/');
  });

  it('answers 401 without a token, for an unknown one, and for a revoked one', async () => {
    const missing = await instance.request('GET', '/oauth/userinfo');
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, { error: 'The access token is invalid' });
    const unknown = await instance.request('GET', '/oauth/userinfo', { token: 'made-up' });
    assert.equal(unknown.status, 401);

    const app = await registerApp('read write profile');
    const issued = await instance.request('POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read' },
    });
    const token = issued.body.access_token as string;
    assert.equal((await instance.request('GET', '/api/v1/apps/verify_credentials', { token })).status, 200);

    const otherApp = await registerApp();
    const refused = await instance.request('POST', '/oauth/revoke', { form: { token, client_id: otherApp.client_id, client_secret: otherApp.client_secret } });
    assert.equal(refused.status, 403);
    assert.equal((await instance.request('GET', '/api/v1/apps/verify_credentials', { token })).status, 200);

    const revoked = await instance.request('POST', '/oauth/revoke', { form: { token, client_id: app.client_id, client_secret: app.client_secret } });
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.body, {});
    const after = await instance.request('GET', '/api/v1/apps/verify_credentials', { token });
    assert.equal(after.status, 401);
    assert.deepEqual(after.body, { error: 'The access token was revoked' });

    const unknownToken = await instance.request('POST', '/oauth/revoke', { form: { token: 'never-issued', client_id: app.client_id, client_secret: app.client_secret } });
    assert.equal(unknownToken.status, 200);
  });

  it('reads the token from the access_token parameter too', async () => {
    const user = await instance.createUser('paramuser', { scopes: 'profile' });
    const response = await instance.request('GET', `/oauth/userinfo?access_token=${encodeURIComponent(user.token)}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.preferred_username, 'paramuser');
  });

  it('records when a token was last used, which keeps an app-only member active for fan-out', async () => {
    const user = await instance.createUser('appuser', { scopes: 'profile' });
    const before = await instance.ctx.db.select().from(oauthAccessTokens).where(isNotNull(oauthAccessTokens.lastUsedAt));
    assert.ok(!before.some((row) => row.userId === user.userId));
    const started = Date.now();
    assert.equal((await instance.request('GET', '/oauth/userinfo', { token: user.token, headers: { 'x-forwarded-for': '198.51.100.9' } })).status, 200);
    const [row] = (await instance.ctx.db.select().from(oauthAccessTokens).where(isNotNull(oauthAccessTokens.lastUsedAt))).filter((r) => r.userId === user.userId);
    assert.ok(row && row.lastUsedAt!.getTime() >= started - 1000);
    assert.equal(row.lastUsedIp, '198.51.100.9');
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const response = await instance.request('GET', '/api/v1/no_such_thing');
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { error: 'Record not found' });
  });

  it('throttles app registrations per client IP behind a trusted proxy, with rate-limit headers', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 5; i++) {
      const ok = await instance.request('POST', '/api/v1/apps', { headers, json: { client_name: `n${i}`, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } });
      assert.equal(ok.status, 200);
    }
    const limited = await instance.request('POST', '/api/v1/apps', { headers, json: { client_name: 'n6', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, { error: 'Too many requests' });
    assert.equal(limited.headers.get('x-ratelimit-limit'), '5');
    assert.equal(limited.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(!Number.isNaN(Date.parse(limited.headers.get('x-ratelimit-reset')!)));

    const otherClient = await instance.request('POST', '/api/v1/apps', { headers: { 'x-forwarded-for': '203.0.113.8' }, json: { client_name: 'n7', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } });
    assert.equal(otherClient.status, 200);
  });
});
