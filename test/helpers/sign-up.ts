import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.ts';
import type { TestInstance, TestResponse } from './instance.ts';

/** An app's client-credentials token, which `POST /api/v1/accounts` takes. */
export async function signUpAppToken(instance: TestInstance): Promise<string> {
  const app = await instance.request('POST', '/api/v1/apps', { form: { client_name: 'Sign-up app', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' } });
  assert.equal(app.status, 200, app.text);
  const token = await instance.request('POST', '/oauth/token', {
    form: { grant_type: 'client_credentials', client_id: app.body.client_id, client_secret: app.body.client_secret, scope: 'read write' },
  });
  assert.equal(token.status, 200, token.text);
  return token.body.access_token as string;
}

let nextAddress = 1;

/**
 * Signs up `username` (at example.com unless `email` is given) through the API, from `ip` (sent as
 * X-Forwarded-For, which the app trusts from loopback) or else from an address of its own, so that
 * the sign-up rate limit (5 per address) never gets in the way.
 */
export function signUp(instance: TestInstance, appToken: string, username: string, extra: Record<string, unknown> & { ip?: string } = {}): Promise<TestResponse> {
  const { ip, ...fields } = extra;
  const address = ip ?? `198.51.100.${nextAddress++ % 250}`;
  return instance.request('POST', '/api/v1/accounts', {
    token: appToken,
    headers: { 'x-forwarded-for': address },
    json: { username, email: `${username}@example.com`, password: 'correct horse battery staple', agreement: true, locale: 'en', ...fields },
  });
}

/** The stored user of a sign-up, by e-mail address. */
export async function signedUpUser(instance: TestInstance, email: string) {
  const [user] = await instance.ctx.db.select().from(users).where(eq(users.email, email));
  return user;
}
