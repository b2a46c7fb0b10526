import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

/**
 * What real clients request when they start (read from their source: Elk's composables and plugins,
 * Phanpy's src/utils/api.js and pages, Tusky's MastodonApi.kt and MainActivity, the Mastodon Android
 * app's AccountSessionManager and requests, and what Ivory and the iOS app ask of the same API).
 * `ME` stands for the signed-in account's id. None may be missing (404) or fail (500).
 */
const SIGNED_OUT = [
  '/.well-known/nodeinfo',
  '/nodeinfo/2.0',
  '/.well-known/oauth-authorization-server',
  '/api/v1/instance',
  '/api/v2/instance',
  '/api/v1/instance/rules',
  '/api/v1/instance/extended_description',
  '/api/v1/instance/peers',
  '/api/v1/instance/activity',
  '/api/v1/custom_emojis',
  '/api/v1/trends/tags',
  '/manifest.json',
  '/favicon.ico',
];

const CLIENTS: Record<string, string[]> = {
  Elk: [
    '/api/v2/instance',
    '/api/v1/accounts/verify_credentials',
    '/api/v1/preferences',
    '/api/v1/custom_emojis',
    '/api/v1/markers?timeline[]=home&timeline[]=notifications',
    '/api/v1/followed_tags',
    '/api/v1/lists',
    '/api/v2/filters',
    '/api/v1/timelines/home',
    '/api/v1/notifications',
    '/api/v1/conversations',
    '/api/v1/trends/tags',
    '/api/v1/trends/statuses',
    '/api/v1/trends/links',
    '/api/v2/suggestions',
    '/api/v1/accounts/relationships?id[]=ME',
  ],
  Phanpy: [
    '/api/v2/instance',
    '/api/v1/instance',
    '/api/v1/accounts/verify_credentials',
    '/api/v1/preferences',
    '/api/v1/custom_emojis',
    '/api/v1/lists',
    '/api/v1/followed_tags',
    '/api/v1/featured_tags',
    '/api/v2/filters',
    '/api/v1/markers?timeline[]=home&timeline[]=notifications',
    '/api/v1/announcements',
    '/api/v1/timelines/home',
    '/api/v2/notifications',
    '/api/v2/notifications/policy',
    '/api/v1/follow_requests',
    '/api/v1/trends/tags',
    '/api/v1/trends/links',
    '/api/v1/trends/statuses',
    '/api/v1/accounts/familiar_followers?id[]=ME',
  ],
  Tusky: [
    '/api/v1/instance',
    '/api/v2/instance',
    '/.well-known/nodeinfo',
    '/nodeinfo/2.0',
    '/api/v1/accounts/verify_credentials',
    '/api/v1/custom_emojis',
    '/api/v1/lists',
    '/api/v1/announcements',
    '/api/v2/filters',
    '/api/v1/filters',
    '/api/v1/markers?timeline[]=notifications',
    '/api/v1/timelines/home',
    '/api/v1/notifications',
    '/api/v2/notifications/policy',
    '/api/v1/followed_tags',
    '/api/v1/scheduled_statuses',
    '/api/v1/trends/tags',
    '/api/v1/trends/statuses',
  ],
  'Mastodon for Android': [
    '/api/v2/instance',
    '/api/v1/instance',
    '/api/v1/instance/extended_description',
    '/api/v1/accounts/verify_credentials',
    '/api/v1/preferences',
    '/api/v1/markers?timeline[]=home&timeline[]=notifications',
    '/api/v1/custom_emojis',
    '/api/v1/filters',
    '/api/v1/lists',
    '/api/v1/announcements',
    '/api/v1/notifications/policy',
    '/api/v1/notifications/unread_count',
    '/api/v1/timelines/home',
    '/api/v1/trends?limit=10',
    '/api/v1/trends/links',
    '/api/v1/trends/statuses',
    '/api/v2/suggestions?limit=20',
  ],
  'Mastodon for iOS and Ivory': [
    '/api/v2/instance',
    '/api/v1/instance',
    '/api/v1/instance/translation_languages',
    '/api/v1/instance/languages',
    '/api/v1/instance/extended_description',
    '/api/v1/accounts/verify_credentials',
    '/api/v1/preferences',
    '/api/v1/custom_emojis',
    '/api/v2/filters',
    '/api/v1/lists',
    '/api/v1/followed_tags',
    '/api/v1/markers?timeline[]=home&timeline[]=notifications',
    '/api/v1/announcements',
    '/api/v1/timelines/home',
    '/api/v2/notifications',
    '/api/v1/notifications/unread_count',
    '/api/v1/trends/tags',
    '/api/v1/trends/statuses',
    '/api/v1/trends/links',
    '/api/v1/featured_tags/suggestions',
    '/api/v1/streaming/health',
  ],
};

describe('the requests real clients make at start-up', () => {
  let instance: TestInstance;
  let member: TestUser;

  before(async () => {
    instance = await startInstance();
    member = await instance.createUser('starter', { scopes: 'read write follow push' });
  });
  after(() => instance.close());

  it('answers every signed-out request', async () => {
    for (const path of SIGNED_OUT) {
      const response = await instance.request('GET', path);
      assert.equal(response.status, 200, `${path}: ${response.status} ${response.text.slice(0, 200)}`);
    }
  });

  for (const [client, paths] of Object.entries(CLIENTS)) {
    it(`answers ${client}'s start-up sequence`, async () => {
      for (const template of paths) {
        const path = template.replace('ME', member.accountId);
        const response = await instance.request('GET', path, { token: member.token });
        assert.ok(response.status === 200 || response.status === 206, `${client}: GET ${path}: ${response.status} ${response.text.slice(0, 200)}`);
      }
    });
  }

  it('answers the push subscription check as Mastodon does when there is none', async () => {
    const response = await instance.request('GET', '/api/v1/push/subscription', { token: member.token });
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { error: 'Record not found' });
  });
});
