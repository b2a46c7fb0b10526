import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const ORIGIN = 'https://elk.example';

describe('CORS for browser clients, as Mastodon grants it', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  async function preflight(path: string, method: string, requestHeaders?: string) {
    const headers: Record<string, string> = { origin: ORIGIN, 'access-control-request-method': method };
    if (requestHeaders) headers['access-control-request-headers'] = requestHeaders;
    return fetch(new URL(path, instance.url), { method: 'OPTIONS', headers });
  }

  const fromOrigin = (headers: Record<string, string> = {}) => ({ origin: ORIGIN, ...headers });

  function assertShared(response: { status: number; headers: Headers }, what: string) {
    assert.equal(response.headers.get('access-control-allow-origin'), '*', `${what} (${response.status}) is readable from another origin`);
    assert.equal(response.headers.get('access-control-allow-credentials'), null, `${what} never shares credentials`);
  }

  it('answers preflights for the API with the methods and the headers clients send', async () => {
    const response = await preflight('/api/v1/statuses', 'POST', 'authorization,content-type,idempotency-key');
    assert.equal(response.status, 204);
    assertShared(response, 'the preflight');
    const methods = response.headers.get('access-control-allow-methods')!.split(/,\s*/);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) assert.ok(methods.includes(method), `${method} allowed`);
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
    for (const header of ['authorization', 'content-type', 'idempotency-key']) assert.ok(allowed.includes(header), `${header} allowed`);
    assert.ok(Number(response.headers.get('access-control-max-age')) > 0);

    // a preflight carries no token and is neither authenticated nor throttled
    const unnamed = await preflight('/api/v1/accounts/verify_credentials', 'GET');
    assert.equal(unnamed.status, 204);
    assert.match(unnamed.headers.get('access-control-allow-headers')!, /Authorization/);
  });

  it('answers preflights on the token endpoints, discovery documents, profiles and the streaming API', async () => {
    for (const [path, method] of [
      ['/oauth/token', 'POST'],
      ['/oauth/revoke', 'POST'],
      ['/oauth/userinfo', 'GET'],
      ['/.well-known/webfinger?resource=acct:alice@subspace.test', 'GET'],
      ['/.well-known/nodeinfo', 'GET'],
      ['/nodeinfo/2.0', 'GET'],
      ['/@alice', 'GET'],
      ['/users/alice', 'GET'],
      ['/api/v1/streaming/user', 'GET'],
      ['/api/v1/apps', 'POST'],
    ]) {
      const response = await preflight(path!, method!, 'authorization');
      assert.equal(response.status, 204, path);
      assertShared(response, `the preflight of ${path}`);
      assert.ok(response.headers.get('access-control-allow-methods')!.includes(method!), `${method} ${path}`);
    }
  });

  it('marks API answers readable by any origin and exposes Link and the rate-limit headers', async () => {
    const response = await instance.request('GET', '/api/v1/instance', { headers: fromOrigin() });
    assert.equal(response.status, 200);
    assertShared(response, 'the instance API');
    const exposed = response.headers.get('access-control-expose-headers')!.toLowerCase().split(/,\s*/);
    for (const header of ['link', 'x-ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-request-id']) assert.ok(exposed.includes(header), `${header} exposed`);

    const verified = await instance.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token, headers: fromOrigin() });
    assert.equal(verified.status, 200);
    assertShared(verified, 'verify_credentials');
  });

  it('marks the discovery documents, the actor, the profile page and the token endpoints too', async () => {
    const checks: [string, string, Record<string, string>?][] = [
      ['GET', '/.well-known/webfinger?resource=acct:alice@subspace.test'],
      ['GET', '/.well-known/nodeinfo'],
      ['GET', '/.well-known/host-meta'],
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/nodeinfo/2.0'],
      ['GET', '/nodeinfo/2.1'],
      ['GET', '/users/alice', { accept: 'application/activity+json' }],
      ['GET', '/@alice', { accept: 'text/html' }],
      ['GET', '/api/v1/streaming/health'],
    ];
    for (const [method, path, headers] of checks) {
      const response = await instance.request(method, path, { headers: fromOrigin(headers) });
      assert.ok(response.status < 400, `${path}: ${response.status}`);
      assertShared(response, path);
    }
    const userinfo = await instance.request('GET', '/oauth/userinfo', { token: alice.token, headers: fromOrigin() });
    assert.equal(userinfo.status, 200);
    assertShared(userinfo, '/oauth/userinfo');
  });

  it('marks error answers too, so that browsers can read them (401, 404, 422, 429)', async () => {
    const unauthorized = await instance.request('GET', '/api/v1/accounts/verify_credentials', { headers: fromOrigin() });
    assert.equal(unauthorized.status, 401);
    assertShared(unauthorized, 'a 401');

    const missing = await instance.request('GET', '/api/v1/statuses/1', { headers: fromOrigin() });
    assert.equal(missing.status, 404);
    assertShared(missing, 'a 404');

    const noRoute = await instance.request('GET', '/api/v1/no_such_thing', { headers: fromOrigin() });
    assert.equal(noRoute.status, 404);
    assertShared(noRoute, 'an unknown API route');

    const invalid = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: '' }, headers: fromOrigin() });
    assert.equal(invalid.status, 422);
    assertShared(invalid, 'a 422');

    const badClient = await instance.request('POST', '/oauth/token', { form: { grant_type: 'client_credentials', client_id: 'nope', client_secret: 'nope' }, headers: fromOrigin() });
    assert.equal(badClient.status, 401);
    assert.equal(badClient.body.error, 'invalid_client');
    assertShared(badClient, 'a refused client at /oauth/token');

    const headers = fromOrigin({ 'x-forwarded-for': '203.0.113.50' });
    let limited: Awaited<ReturnType<typeof instance.request>> | undefined;
    for (let i = 0; i < 6; i++) {
      limited = await instance.request('POST', '/api/v1/apps', { headers, json: { client_name: `cors${i}`, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' } });
    }
    assert.equal(limited!.status, 429);
    assertShared(limited!, 'a 429');
    assert.ok(limited!.headers.get('access-control-expose-headers')!.includes('X-RateLimit-Reset'));
  });

  it('shares the streaming API as its own server does', async () => {
    const controller = new AbortController();
    const response = await fetch(new URL('/api/v1/streaming/public', instance.url), { headers: { authorization: `Bearer ${alice.token}`, origin: ORIGIN }, signal: controller.signal });
    try {
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /text\/event-stream/);
      assertShared(response, 'an event stream');
    } finally {
      controller.abort();
    }
    const refused = await instance.request('GET', '/api/v1/streaming/user', { headers: fromOrigin() });
    assert.equal(refused.status, 401);
    assertShared(refused, 'a refused stream');
  });

  it('answers preflights on a streaming server of its own (`subspace streaming`)', async () => {
    const streaming = await startInstance({ roles: { streaming: true } });
    try {
      const response = await fetch(new URL('/api/v1/streaming/user', streaming.url), {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      assert.equal(response.status, 204);
      assertShared(response, 'the streaming server preflight');
      assert.match(response.headers.get('access-control-allow-headers')!, /authorization/);
      const refused = await streaming.request('GET', '/api/v1/streaming/user', { headers: fromOrigin() });
      assert.equal(refused.status, 401);
      assertShared(refused, 'a stream the streaming server refuses');
    } finally {
      await streaming.close();
    }
  });

  it('never shares the cookie-authenticated pages with another origin', async () => {
    for (const path of ['/oauth/authorize', '/auth/sign_in', '/settings/migration', '/settings/aliases', '/oauth/authorize/native']) {
      const response = await fetch(new URL(path, instance.url), { headers: fromOrigin({ accept: 'text/html' }), redirect: 'manual' });
      assert.equal(response.headers.get('access-control-allow-origin'), null, `GET ${path}`);
      const pre = await preflight(path, 'POST', 'content-type');
      assert.notEqual(pre.status, 204, `preflight of ${path}`);
      assert.equal(pre.headers.get('access-control-allow-origin'), null, `preflight of ${path}`);
    }
    // nor the ActivityPub documents Mastodon does not share, such as a post or an inbox
    const inbox = await preflight('/users/alice/inbox', 'POST', 'content-type');
    assert.equal(inbox.headers.get('access-control-allow-origin'), null);
  });
});
