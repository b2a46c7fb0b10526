import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { users } from '../../src/db/schema.ts';
import { issueToken } from '../../src/services/oauth/tokens.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

describe('GET /api/v1/preferences', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance();
    alice = await instance.createUser('alice');
  });
  after(() => instance.close());

  const preferences = (token?: string) => instance.request('GET', '/api/v1/preferences', { token });

  it("answers Mastodon's defaults for a new member", async () => {
    const response = await preferences(alice.token);
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.body, {
      'posting:default:visibility': 'public',
      'posting:default:sensitive': false,
      'posting:default:language': 'en',
      'reading:expand:media': 'default',
      'reading:expand:spoilers': false,
      'reading:autoplay:gifs': false,
    });
  });

  it('follows the posting defaults set through update_credentials', async () => {
    const updated = await instance.request('PATCH', '/api/v1/accounts/update_credentials', {
      token: alice.token,
      json: { source: { privacy: 'private', sensitive: true, language: 'de' } },
    });
    assert.equal(updated.status, 200, updated.text);
    const response = await preferences(alice.token);
    assert.equal(response.body['posting:default:visibility'], 'private');
    assert.equal(response.body['posting:default:sensitive'], true);
    assert.equal(response.body['posting:default:language'], 'de');
  });

  it('reads the stored reading settings, the interface language and the locked default', async () => {
    const bob = await instance.createUser('bob');
    await instance.ctx.db
      .update(users)
      .set({ locale: 'fr', settings: { expand_media: 'show_all', expand_spoilers: true } })
      .where(eq(users.id, bob.userId));
    await instance.request('PATCH', '/api/v1/accounts/update_credentials', { token: bob.token, json: { locked: true } });
    const response = await preferences(bob.token);
    assert.equal(response.body['posting:default:visibility'], 'private');
    assert.equal(response.body['posting:default:language'], 'fr');
    assert.equal(response.body['reading:expand:media'], 'show_all');
    assert.equal(response.body['reading:expand:spoilers'], true);
  });

  it('needs read:accounts and a user', async () => {
    const anonymous = await preferences();
    assert.equal(anonymous.status, 401);
    const writeOnly = await issueToken(instance.ctx, { applicationId: null, userId: alice.userId, scopes: ['write'] });
    const refused = await preferences(writeOnly.accessToken);
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, { error: 'This action is outside the authorized scopes' });
    const narrow = await issueToken(instance.ctx, { applicationId: null, userId: alice.userId, scopes: ['read:accounts'] });
    assert.equal((await preferences(narrow.accessToken)).status, 200);
    const appToken = await issueToken(instance.ctx, { applicationId: null, userId: null, scopes: ['read'] });
    const app = await preferences(appToken.accessToken);
    assert.equal(app.status, 422);
    assert.deepEqual(app.body, { error: 'This method requires an authenticated user' });
  });
});
