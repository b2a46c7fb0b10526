import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { accounts, customEmojis, users } from '../../src/db/schema.ts';
import { forgetListedCustomEmojis } from '../../src/services/emojis/custom-emojis.ts';
import { updateSetting } from '../../src/services/accounts/settings.ts';
import { addRule, removeRule } from '../../src/services/instance/rules.ts';
import { startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';

const VERSION = '4.3.0 (compatible; Subspace 0.1.0)';

const SUPPORTED_MIME_TYPES = [
  ...['image/jpeg', 'image/png', 'image/gif', 'image/heic', 'image/heif', 'image/webp', 'image/avif', 'video/webm', 'video/mp4', 'video/quicktime', 'video/ogg'],
  ...['audio/wave', 'audio/wav', 'audio/x-wav', 'audio/x-pn-wave', 'audio/vnd.wave', 'audio/ogg', 'audio/vorbis', 'audio/mpeg', 'audio/mp3', 'audio/webm'],
  ...['audio/flac', 'audio/aac', 'audio/m4a', 'audio/x-m4a', 'audio/mp4', 'audio/3gpp', 'video/x-ms-asf'],
];
describe('instance and custom emoji endpoints', () => {
  let instance: TestInstance;
  let alice: TestUser;

  before(async () => {
    instance = await startInstance({ registrations: 'open' });
    alice = await instance.createUser('alice');
    const bob = await instance.createUser('bob');
    const pending = await instance.createUser('pending');
    await instance.ctx.db.update(users).set({ confirmedAt: null }).where(eq(users.id, pending.userId));
    await instance.ctx.db.update(users).set({ currentSignInAt: new Date() }).where(eq(users.id, alice.userId));
    await instance.ctx.db.update(accounts).set({ statusesCount: 3 }).where(eq(accounts.id, alice.accountId));
    await instance.ctx.db.update(accounts).set({ statusesCount: 2 }).where(eq(accounts.id, bob.accountId));
    await instance.ctx.db.insert(accounts).values([
      { username: 'x', domain: 'one.example', uri: 'https://one.example/users/x', statusesCount: 50 },
      { username: 'y', domain: 'one.example', uri: 'https://one.example/users/y' },
      { username: 'z', domain: 'two.example', uri: 'https://two.example/users/z' },
    ]);
  });
  after(() => instance.close());

  it('renders the v1 instance with counters', async () => {
    const response = await instance.request('GET', '/api/v1/instance');
    assert.equal(response.status, 200, response.text);
    const body = response.body;
    assert.equal(body.uri, 'subspace.test');
    assert.equal(body.title, 'Subspace');
    assert.equal(body.short_description, '');
    assert.equal(body.description, '');
    assert.equal(body.email, '');
    assert.equal(body.version, VERSION);
    assert.deepEqual(body.urls, { streaming_api: 'ws://subspace.test' });
    // alice and bob: the unconfirmed user does not count, remote posts neither
    assert.deepEqual(body.stats, { user_count: 2, status_count: 5, domain_count: 2 });
    assert.equal(typeof body.thumbnail, 'string');
    assert.deepEqual(body.languages, ['en']);
    assert.equal(body.registrations, true);
    assert.equal(body.approval_required, false);
    assert.equal(body.invites_enabled, false);
    assert.deepEqual(body.configuration.accounts, { max_featured_tags: 10 });
    // Mastodon's types, but HEIC/HEIF (which nothing here decodes)
    assert.deepEqual(body.configuration.statuses, { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 });
    assert.deepEqual(body.configuration.media_attachments.supported_mime_types, SUPPORTED_MIME_TYPES);
    assert.equal(body.configuration.media_attachments.image_size_limit, 16777216);
    assert.equal(body.configuration.media_attachments.image_matrix_limit, 33177600);
    assert.equal(body.configuration.media_attachments.video_size_limit, 103809024);
    assert.equal(body.configuration.media_attachments.video_frame_rate_limit, 120);
    assert.equal(body.configuration.media_attachments.video_matrix_limit, 8294400);
    assert.deepEqual(body.configuration.polls, { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 });
    assert.equal(body.contact_account, null);
    assert.deepEqual(body.rules, []);
    assert.match(response.headers.get('cache-control') ?? '', /public/);
  });

  it('renders the v2 instance with every key apps read', async () => {
    const response = await instance.request('GET', '/api/v2/instance');
    assert.equal(response.status, 200, response.text);
    const body = response.body;
    assert.equal(body.domain, 'subspace.test');
    assert.equal(body.title, 'Subspace');
    assert.equal(body.version, VERSION);
    assert.match(body.source_url, /^https:\/\//);
    assert.equal(body.description, '');
    assert.deepEqual(body.usage, { users: { active_month: 1 } });
    assert.match(body.thumbnail.url, /^http:\/\/subspace\.test\//);
    assert.deepEqual(body.languages, ['en']);
    const configuration = body.configuration;
    assert.equal(configuration.urls.streaming, 'ws://subspace.test');
    assert.deepEqual(configuration.vapid, { public_key: instance.config.vapid!.publicKey });
    assert.equal(Buffer.from(configuration.vapid.public_key, 'base64url').length, 65);
    assert.equal(configuration.accounts.max_featured_tags, 10);
    assert.equal(configuration.accounts.max_pinned_statuses, 5);
    assert.deepEqual(configuration.statuses, { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 });
    assert.deepEqual(configuration.media_attachments.supported_mime_types, SUPPORTED_MIME_TYPES);
    for (const key of ['supported_mime_types', 'image_size_limit', 'image_matrix_limit', 'video_size_limit', 'video_frame_rate_limit', 'video_matrix_limit']) {
      assert.ok(key in configuration.media_attachments, key);
    }
    assert.deepEqual(configuration.polls, { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 });
    assert.deepEqual(configuration.translation, { enabled: false });
    assert.equal(body.registrations.enabled, true);
    assert.equal(body.registrations.approval_required, false);
    assert.equal(body.registrations.reason_required, false);
    assert.equal(body.registrations.message, null);
    assert.equal(body.registrations.url, null);
    assert.deepEqual(body.api_versions, { mastodon: 2 });
    assert.deepEqual(body.contact, { email: '', account: null });
    assert.deepEqual(body.rules, []);
  });

  it('advertises the limits that posting, pinning and featuring enforce', async () => {
    const { configuration } = (await instance.request('GET', '/api/v2/instance')).body;
    const post = (json: Record<string, unknown>) => instance.request('POST', '/api/v1/statuses', { token: alice.token, json });
    const max = configuration.statuses.max_characters as number;
    assert.equal((await post({ status: 'a'.repeat(max) })).status, 200);
    assert.equal((await post({ status: 'a'.repeat(max + 1) })).status, 422);
    const url = `https://example.com/${'x'.repeat(100)}`;
    const withUrl = `${'a'.repeat(max - configuration.statuses.characters_reserved_per_url - 1)} ${url}`;
    assert.equal((await post({ status: withUrl })).status, 200, 'a URL counts as characters_reserved_per_url');
    assert.equal(configuration.statuses.max_media_attachments, 4);
    assert.equal((await post({ status: 'with media', media_ids: ['1'] })).status, 422, 'an unknown upload cannot be attached');

    const polls = configuration.polls;
    const options = (n: number) => Array.from({ length: n }, (_, i) => `option ${i}`);
    assert.equal((await post({ status: 'poll', poll: { options: options(polls.max_options), expires_in: polls.min_expiration } })).status, 200);
    assert.equal((await post({ status: 'poll', poll: { options: options(polls.max_options + 1), expires_in: polls.min_expiration } })).status, 422);
    assert.equal((await post({ status: 'poll', poll: { options: ['a'.repeat(polls.max_characters_per_option + 1), 'b'], expires_in: polls.min_expiration } })).status, 422);
    assert.equal((await post({ status: 'poll', poll: { options: ['a', 'b'], expires_in: polls.min_expiration - 1 } })).status, 422);
    assert.equal((await post({ status: 'poll', poll: { options: ['a', 'b'], expires_in: polls.max_expiration + 1 } })).status, 422);

    const pins = configuration.accounts.max_pinned_statuses as number;
    for (let i = 0; i <= pins; i++) {
      const status = (await post({ status: `pin me ${i}` })).body.id as string;
      const pinned = await instance.request('POST', `/api/v1/statuses/${status}/pin`, { token: alice.token });
      assert.equal(pinned.status, i < pins ? 200 : 422, `pin ${i + 1}`);
    }
    const featured = configuration.accounts.max_featured_tags as number;
    for (let i = 0; i <= featured; i++) {
      const res = await instance.request('POST', '/api/v1/featured_tags', { token: alice.token, json: { name: `topic${i}` } });
      assert.equal(res.status, i < featured ? 200 : 422, `featured tag ${i + 1}`);
    }
  });

  it('follows the admin settings', async () => {
    await updateSetting(instance.ctx, 'site_title', 'Deep Space');
    await updateSetting(instance.ctx, 'site_short_description', 'A quiet corner');
    await updateSetting(instance.ctx, 'site_contact_email', 'admin@subspace.test');
    await updateSetting(instance.ctx, 'site_contact_username', 'alice');
    await updateSetting(instance.ctx, 'registrations_mode', 'none');
    await updateSetting(instance.ctx, 'closed_registrations_message', 'Closed for now. Ask **@alice**.');

    const v2 = await instance.request('GET', '/api/v2/instance');
    assert.equal(v2.body.title, 'Deep Space');
    assert.equal(v2.body.description, 'A quiet corner');
    assert.equal(v2.body.contact.email, 'admin@subspace.test');
    assert.equal(v2.body.contact.account.id, alice.accountId);
    assert.equal(v2.body.contact.account.acct, 'alice');
    assert.equal(v2.body.registrations.enabled, false);
    assert.equal(v2.body.registrations.message, '<p>Closed for now. Ask <strong>@alice</strong>.</p>\n');

    const v1 = await instance.request('GET', '/api/v1/instance');
    assert.equal(v1.body.title, 'Deep Space');
    assert.equal(v1.body.short_description, 'A quiet corner');
    assert.equal(v1.body.email, 'admin@subspace.test');
    assert.equal(v1.body.contact_account.id, alice.accountId);
    assert.equal(v1.body.registrations, false);

    await updateSetting(instance.ctx, 'registrations_mode', 'approved');
    const approval = await instance.request('GET', '/api/v2/instance');
    assert.equal(approval.body.registrations.enabled, true);
    assert.equal(approval.body.registrations.approval_required, true);
    assert.equal(approval.body.registrations.message, null);
    assert.equal((await instance.request('GET', '/api/v1/instance')).body.approval_required, true);
    assert.equal(approval.body.registrations.reason_required, false);
    await updateSetting(instance.ctx, 'require_invite_text', true);
    assert.equal((await instance.request('GET', '/api/v2/instance')).body.registrations.reason_required, true);
    await updateSetting(instance.ctx, 'require_invite_text', false);

    await updateSetting(instance.ctx, 'site_contact_username', 'nobody');
    assert.equal((await instance.request('GET', '/api/v2/instance')).body.contact.account, null);
  });

  it('needs no token, and ignores a bad one', async () => {
    for (const path of ['/api/v1/instance', '/api/v2/instance', '/api/v1/instance/rules', '/api/v1/instance/languages', '/api/v1/instance/peers', '/api/v1/custom_emojis']) {
      const response = await instance.request('GET', path, { token: 'not-a-token' });
      assert.equal(response.status, 200, path);
    }
  });

  it('lists rules and peers', async () => {
    const rules = await instance.request('GET', '/api/v1/instance/rules');
    assert.deepEqual(rules.body, []);
    const second = await addRule(instance.ctx, { text: 'No spam', priority: 2 });
    const first = await addRule(instance.ctx, { text: 'Be kind', hint: 'Really.', priority: 1 });
    const gone = await addRule(instance.ctx, { text: 'Withdrawn', priority: 0 });
    assert.equal(await removeRule(instance.ctx, gone.id), true);
    const expected = [
      { id: first.id, text: 'Be kind', hint: 'Really.', translations: {} },
      { id: second.id, text: 'No spam', hint: '', translations: {} },
    ];
    assert.deepEqual((await instance.request('GET', '/api/v1/instance/rules')).body, expected);
    assert.deepEqual((await instance.request('GET', '/api/v2/instance')).body.rules, expected);
    assert.deepEqual((await instance.request('GET', '/api/v1/instance')).body.rules, expected);
    const about = await instance.request('GET', '/about', { headers: { accept: 'text/html' } });
    assert.match(about.text, /<ol class="rules"><li>Be kind<p class="hint">Really.<\/p><\/li><li>No spam<\/li><\/ol>/);
    for (const rule of [first, second]) await removeRule(instance.ctx, rule.id);
    assert.deepEqual((await instance.request('GET', '/api/v1/instance/rules')).body, []);
    const peers = await instance.request('GET', '/api/v1/instance/peers');
    assert.deepEqual(peers.body, ['one.example', 'two.example']);
  });

  it('lists the languages a post may be in, with their names', async () => {
    const languages = await instance.request('GET', '/api/v1/instance/languages');
    assert.equal(languages.status, 200);
    const byCode = new Map((languages.body as { code: string; name: string }[]).map((language) => [language.code, language.name]));
    assert.equal(byCode.get('en'), 'English');
    assert.equal(byCode.get('de'), 'German');
    assert.equal(byCode.get('aa'), 'Afar');
  });

  it('lists the local, enabled emojis shown in the picker', async () => {
    const empty = await instance.request('GET', '/api/v1/custom_emojis');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, []);

    await instance.ctx.db.insert(customEmojis).values([
      { shortcode: 'blobcat', imageUrl: '/system/custom_emojis/blobcat.png', staticImageUrl: '/system/custom_emojis/blobcat_static.png', category: 'Blobs' },
      { shortcode: 'party', imageUrl: 'https://cdn.example/party.gif', staticImageUrl: 'https://cdn.example/party.png' },
      { shortcode: 'secret', imageUrl: 'https://cdn.example/s.png', staticImageUrl: 'https://cdn.example/s.png', visibleInPicker: false },
      { shortcode: 'gone', imageUrl: 'https://cdn.example/g.png', staticImageUrl: 'https://cdn.example/g.png', disabled: true },
      { shortcode: 'remote', domain: 'one.example', imageUrl: 'https://one.example/r.png', staticImageUrl: 'https://one.example/r.png' },
    ]);
    // written behind the services' back: the list is cached until local emoji change
    assert.deepEqual((await instance.request('GET', '/api/v1/custom_emojis')).body, []);
    await forgetListedCustomEmojis(instance.ctx);
    const response = await instance.request('GET', '/api/v1/custom_emojis');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, [
      {
        shortcode: 'blobcat',
        url: 'http://subspace.test/system/custom_emojis/blobcat.png',
        static_url: 'http://subspace.test/system/custom_emojis/blobcat_static.png',
        visible_in_picker: true,
        category: 'Blobs',
      },
      { shortcode: 'party', url: 'https://cdn.example/party.gif', static_url: 'https://cdn.example/party.png', visible_in_picker: true },
    ]);
  });
});
