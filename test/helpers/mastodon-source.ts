import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import pg from 'pg';
import { serveOverWire } from './pglite-wire.ts';
import { prepareTestEnvironment, serverMode, type TestEnvironment } from './instance.ts';
import { runSubspace } from './process.ts';

const SCHEMA = new URL('../fixtures/mastodon/schema.sql', import.meta.url);

/** A Mastodon snowflake id (Mastodon's timestamp_id()): milliseconds since the epoch << 16, then a sequence. */
export function mastodonId(at: Date, sequence = 0): string {
  return ((BigInt(at.getTime()) << 16n) | BigInt(sequence & 0xffff)).toString();
}

/** A password hash as Devise writes it with bcrypt-ruby: `$2a$`, cost 10. */
export function deviseHash(password: string): string {
  return bcrypt.hashSync(password, 10).replace(/^\$2b\$/, '$2a$');
}

function rsaPair() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  return { publicKey, privateKey };
}

/** A remote account the fixture holds, e.g. a fake peer's actor (the test's own server). */
export interface RemoteActor {
  username: string;
  /** the handle's domain */
  domain: string;
  uri: string;
  inbox: string;
  sharedInbox?: string;
  publicKeyPem: string;
}

export interface MastodonSourceOptions {
  /** the instance's LOCAL_DOMAIN (the test instance's, `subspace.test`) */
  domain?: string;
  /** how its URIs start: `https://DOMAIN` in production, `http://DOMAIN` for a LOCAL_HTTPS=false test instance */
  baseUrl?: string;
  /** extra remote accounts, each following alice (a fake peer that followed her before the move) */
  followersOfAlice?: RemoteActor[];
  /** this many more statuses of alice's, for benches (made in the database, in one statement) */
  scale?: number;
}

interface Local {
  id: string;
  userId: string;
  username: string;
  password: string;
  email: string;
  publicKey: string;
  privateKey: string;
  uri: string;
}

/** What the fixture holds, for tests to compare the import with. */
export interface MastodonFixture {
  domain: string;
  baseUrl: string;
  alice: Local;
  bob: Local;
  carol: Local;
  frank: Local;
  remote: { erin: string; dave: string; peers: Record<string, string> };
  app: { id: string; uid: string; secret: string; name: string };
  tokens: { alice: string; aliceAdmin: string; bob: string; bobRevoked: string };
  statuses: { hello: string; reply: string; poll: string; edited: string; remote: string; reblog: string; direct: string; mention: string; deleted: string };
  pollId: string;
  tags: { wonderland: string; tea: string };
  list: string;
  filter: string;
  media: { image: string; remote: string };
  card: string;
  emoji: { local: string; remote: string };
  report: string;
  announcement: string;
  conversation: string;
}

export interface MastodonSource {
  /** a `postgres://` URL of the database, as the import is given it */
  url: string;
  fixture: MastodonFixture;
  query<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

type Run = (text: string, params?: unknown[]) => Promise<unknown>;

const at = (iso: string) => new Date(iso);

/** The json and jsonb columns the fixture fills (other arrays are PostgreSQL arrays). */
const JSON_COLUMNS = new Set(['fields', 'file_meta', 'data']);

/** Inserts `row` into `table`, the columns named by its keys. */
function insertRow(run: Run, table: string, row: Record<string, unknown>) {
  const columns = Object.keys(row);
  const params = columns.map((column) => (JSON_COLUMNS.has(column) && row[column] !== null ? JSON.stringify(row[column]) : row[column]));
  return run(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, params);
}

async function fill(run: Run, options: MastodonSourceOptions): Promise<MastodonFixture> {
  const domain = options.domain ?? 'subspace.test';
  const base = options.baseUrl ?? `https://${domain}`;
  const ts = { created_at: at('2023-03-01T10:00:00Z'), updated_at: at('2024-05-01T10:00:00Z') };
  const put = (table: string, row: Record<string, unknown>) => insertRow(run, table, row);

  // the roles Mastodon seeds (config/roles.yml) and @everyone
  await put('user_roles', { id: -99, name: '', position: -1, permissions: 65536, highlighted: false, ...ts });
  await put('user_roles', { id: 1, name: 'Moderator', position: 10, permissions: 1115420, highlighted: true, ...ts });
  await put('user_roles', { id: 2, name: 'Admin', position: 100, permissions: 983036, highlighted: true, ...ts });
  await put('user_roles', { id: 3, name: 'Owner', position: 1000, permissions: 1, highlighted: true, ...ts });

  const app = { id: '7', uid: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('hex'), name: 'Tusky' };
  await put('oauth_applications', {
    id: app.id,
    name: app.name,
    uid: app.uid,
    secret: app.secret,
    redirect_uri: 'oauth2redirect://com.keylesspalace.tusky/',
    scopes: 'read write follow push',
    website: 'https://tusky.app',
    ...ts,
  });

  const locals: Record<string, Local> = {};
  const makeLocal = async (username: string, sequence: number, extra: Record<string, unknown>, user: Record<string, unknown>) => {
    const keys = rsaPair();
    const id = mastodonId(at('2023-03-01T10:00:00Z'), sequence);
    const local: Local = {
      id,
      userId: String(sequence),
      username,
      password: `${username}-old-password`,
      email: `${username}@mail.example`,
      publicKey: keys.publicKey,
      privateKey: keys.privateKey,
      uri: `${base}/users/${username}`,
    };
    await put('accounts', {
      id,
      username,
      domain: null,
      private_key: keys.privateKey,
      public_key: keys.publicKey,
      // Mastodon computes a local account's URIs (ActivityPub::TagManager): its uri and url columns stay empty
      uri: '',
      url: null,
      id_scheme: 0,
      display_name: '',
      note: '',
      fields: [],
      discoverable: true,
      indexable: true,
      ...ts,
      ...extra,
    });
    await put('users', {
      id: local.userId,
      account_id: id,
      email: local.email,
      encrypted_password: deviseHash(local.password),
      confirmed_at: ts.created_at,
      sign_in_count: 12,
      current_sign_in_at: at('2024-04-30T08:00:00Z'),
      locale: 'en',
      chosen_languages: null,
      sign_up_ip: '198.51.100.7',
      settings: JSON.stringify({ default_privacy: 'public', 'web.expand_content_warnings': false }),
      ...ts,
      ...user,
    });
    locals[username] = local;
    return local;
  };

  // the instance actor (Account.representative): id -99, named after LOCAL_DOMAIN
  const actorKeys = rsaPair();
  await put('accounts', { id: -99, username: domain, domain: null, private_key: actorKeys.privateKey, public_key: actorKeys.publicKey, actor_type: 'Application', locked: true, id_scheme: 0, ...ts });
  const alice = await makeLocal(
    'alice',
    1,
    {
      display_name: 'Alice Liddell',
      note: 'Down the rabbit hole. #wonderland',
      fields: [
        { name: 'Home', value: 'https://alice.example', verified_at: '2023-04-01T00:00:00.000Z' },
        { name: 'Pronouns', value: 'she/her', verified_at: null },
      ],
      avatar_file_name: 'alice.png',
      avatar_content_type: 'image/png',
      avatar_file_size: 4321,
      avatar_updated_at: ts.updated_at,
      header_file_name: 'garden.jpg',
      header_content_type: 'image/jpeg',
      header_file_size: 9876,
      also_known_as: ['https://old.example/users/alice'],
    },
    {
      role_id: 3,
      settings: JSON.stringify({
        default_privacy: 'unlisted',
        default_language: 'en',
        default_sensitive: true,
        'web.expand_content_warnings': true,
        'web.display_media': 'show_all',
        'web.use_system_font': true,
        noindex: true,
      }),
    },
  );
  const bob = await makeLocal(
    'bob',
    2,
    { display_name: 'Bob', locked: true, note: 'Tea and cakes' },
    { otp_required_for_login: true, otp_secret: 'ENCRYPTED-OTP-SECRET', otp_backup_codes: ['$2a$10$abc'], locale: 'fr' },
  );
  const carol = await makeLocal('carol', 3, { display_name: 'Carol' }, { role_id: 1 });
  const frank = await makeLocal('frank', 4, {}, { approved: false, confirmed_at: null, chosen_languages: ['en', 'de'] });
  await put('user_invite_requests', { user_id: frank.userId, text: 'I love tea parties', ...ts });
  await put('webauthn_credentials', { external_id: 'cred-1', public_key: 'pk', nickname: 'YubiKey', user_id: bob.userId, ...ts });

  // remote accounts
  const remoteAccount = async (username: string, host: string, sequence: number, extra: Record<string, unknown> = {}) => {
    const id = mastodonId(at('2023-02-01T10:00:00Z'), sequence);
    const actor = `https://${host}/users/${username}`;
    await put('accounts', {
      id,
      username,
      domain: host,
      public_key: rsaPair().publicKey,
      uri: actor,
      url: `https://${host}/@${username}`,
      inbox_url: `${actor}/inbox`,
      shared_inbox_url: `https://${host}/inbox`,
      outbox_url: `${actor}/outbox`,
      followers_url: `${actor}/followers`,
      following_url: `${actor}/following`,
      featured_collection_url: `${actor}/collections/featured`,
      protocol: 1,
      actor_type: 'Person',
      display_name: username,
      note: `<p>${username} from ${host}</p>`,
      avatar_remote_url: `https://${host}/avatars/${username}.png`,
      last_webfingered_at: ts.updated_at,
      ...ts,
      ...extra,
    });
    return id;
  };
  const erin = await remoteAccount('erin', 'remote.example', 10);
  const dave = await remoteAccount('dave', 'elsewhere.example', 11, { suspended_at: at('2024-02-01T00:00:00Z'), suspension_origin: 0 });
  await run(`UPDATE accounts SET moved_to_account_id = $1 WHERE id = $2`, [erin, carol.id]);
  const peers: Record<string, string> = {};
  let peerSequence = 20;
  for (const peer of options.followersOfAlice ?? []) {
    const id = mastodonId(at('2023-02-01T10:00:00Z'), peerSequence++);
    await put('accounts', {
      id,
      username: peer.username,
      domain: peer.domain,
      public_key: peer.publicKeyPem,
      uri: peer.uri,
      inbox_url: peer.inbox,
      shared_inbox_url: peer.sharedInbox ?? '',
      protocol: 1,
      actor_type: 'Person',
      ...ts,
    });
    peers[peer.username] = id;
  }

  // tokens: Doorkeeper keeps them in plain text
  const tokens = {
    alice: randomBytes(32).toString('base64url').slice(0, 43),
    aliceAdmin: randomBytes(32).toString('base64url').slice(0, 43),
    bob: randomBytes(32).toString('base64url').slice(0, 43),
    bobRevoked: randomBytes(32).toString('base64url').slice(0, 43),
  };
  await put('oauth_access_tokens', {
    id: 101,
    token: tokens.alice,
    scopes: 'read write follow push',
    application_id: app.id,
    resource_owner_id: alice.userId,
    created_at: ts.created_at,
    last_used_at: ts.updated_at,
    last_used_ip: '198.51.100.7',
  });
  await put('oauth_access_tokens', { id: 104, token: tokens.aliceAdmin, scopes: 'read admin:read admin:write', application_id: app.id, resource_owner_id: alice.userId, created_at: ts.created_at });
  await put('oauth_access_tokens', { id: 102, token: tokens.bob, scopes: 'read', application_id: app.id, resource_owner_id: bob.userId, created_at: ts.created_at });
  await put('oauth_access_tokens', {
    id: 103,
    token: tokens.bobRevoked,
    scopes: 'read write',
    application_id: app.id,
    resource_owner_id: bob.userId,
    created_at: ts.created_at,
    revoked_at: ts.updated_at,
  });
  await put('web_push_subscriptions', {
    endpoint: 'https://push.example/subscriptions/abc',
    key_p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    key_auth: 'tBHItJI5svbpez7KI4CCXg',
    data: { alerts: { mention: true, follow: true, favourite: false, reblog: true, poll: true }, policy: 'all' },
    access_token_id: 101,
    user_id: alice.userId,
    standard: true,
    ...ts,
  });

  // tags, emoji, cards
  await put('tags', { id: 501, name: 'wonderland', display_name: 'Wonderland', usable: true, listable: true, trendable: true, ...ts });
  await put('tags', { id: 502, name: 'tea', usable: true, ...ts });
  await put('custom_emoji_categories', { id: 1, name: 'Cats', ...ts });
  await put('custom_emojis', {
    id: 601,
    shortcode: 'blobcat',
    domain: null,
    image_file_name: 'blobcat.png',
    image_content_type: 'image/png',
    image_file_size: 1234,
    visible_in_picker: true,
    category_id: 1,
    ...ts,
  });
  await put('custom_emojis', {
    id: 602,
    shortcode: 'party',
    domain: 'remote.example',
    uri: 'https://remote.example/emojis/9',
    image_remote_url: 'https://remote.example/emoji/party.png',
    image_file_name: 'party.png',
    image_content_type: 'image/png',
    ...ts,
  });
  await put('preview_cards', {
    id: 701,
    url: 'https://news.example/story',
    title: 'A story',
    description: 'Once upon a time',
    type: 0,
    link_type: 1,
    provider_name: 'News',
    provider_url: 'https://news.example',
    width: 400,
    height: 200,
    image_file_name: 'story.jpg',
    image_content_type: 'image/jpeg',
    image_file_size: 5555,
    blurhash: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj',
    language: 'en',
    published_at: at('2024-01-01T00:00:00Z'),
    ...ts,
  });

  // statuses, with their ids
  const s = (iso: string, sequence: number) => mastodonId(at(iso), sequence);
  const statuses = {
    hello: s('2024-01-01T12:00:00Z', 1),
    reply: s('2024-01-01T12:05:00Z', 2),
    poll: s('2024-01-02T12:00:00Z', 3),
    edited: s('2024-01-03T12:00:00Z', 4),
    remote: s('2024-01-04T12:00:00Z', 5),
    reblog: s('2024-01-05T12:00:00Z', 6),
    direct: s('2024-01-06T12:00:00Z', 7),
    mention: s('2024-01-07T12:00:00Z', 8),
    deleted: s('2024-01-08T12:00:00Z', 9),
  };
  const conversation = '801';
  await put('conversations', { id: conversation, ...ts });
  await put('conversations', { id: 802, ...ts });
  const local = (id: string, account: Local, extra: Record<string, unknown>) =>
    put('statuses', {
      id,
      // a local status stores its uri when created; its url stays empty (computed)
      uri: `${base}/users/${account.username}/statuses/${id}`,
      url: null,
      account_id: account.id,
      local: true,
      visibility: 0,
      language: 'en',
      conversation_id: 802,
      application_id: app.id,
      created_at: new Date(Number(BigInt(id) >> 16n)),
      updated_at: new Date(Number(BigInt(id) >> 16n)),
      ...extra,
    });
  await local(statuses.hello, alice, { text: 'Hello from #Wonderland https://news.example/story :blobcat:' });
  await local(statuses.reply, alice, { text: 'And a reply to myself', in_reply_to_id: statuses.hello, in_reply_to_account_id: alice.id, reply: true, visibility: 1 });
  await local(statuses.poll, alice, { text: 'Tea or coffee? #tea', poll_id: 901 });
  await local(statuses.edited, alice, { text: 'Third version', spoiler_text: 'edits', sensitive: true, edited_at: at('2024-01-03T13:00:00Z') });
  await put('statuses', {
    id: statuses.remote,
    uri: 'https://remote.example/users/erin/statuses/1',
    url: 'https://remote.example/@erin/1',
    account_id: erin,
    local: false,
    visibility: 0,
    text: '<p>Hi from afar</p>',
    language: 'en',
    created_at: at('2024-01-04T12:00:00Z'),
    updated_at: at('2024-01-04T12:00:00Z'),
  });
  await local(statuses.reblog, bob, { uri: `${base}/users/bob/statuses/${statuses.reblog}/activity`, text: '', reblog_of_id: statuses.hello, visibility: 0 });
  await local(statuses.direct, alice, { text: '@bob a secret', visibility: 3, conversation_id: conversation });
  await local(statuses.mention, bob, { text: '@alice look at this', visibility: 2 });
  await local(statuses.deleted, alice, { text: 'Oops', deleted_at: at('2024-01-08T12:01:00Z') });
  for (const [id, replies, reblogs, favourites] of [
    [statuses.hello, 1, 1, 1],
    [statuses.remote, 0, 0, 1],
  ] as const) {
    await put('status_stats', { status_id: id, replies_count: replies, reblogs_count: reblogs, favourites_count: favourites, ...ts });
  }
  await put('status_edits', {
    status_id: statuses.edited,
    account_id: alice.id,
    text: 'First version',
    spoiler_text: '',
    sensitive: false,
    created_at: at('2024-01-03T12:00:00Z'),
    updated_at: at('2024-01-03T12:00:00Z'),
  });
  await put('status_edits', {
    status_id: statuses.edited,
    account_id: alice.id,
    text: 'Third version',
    spoiler_text: 'edits',
    sensitive: true,
    created_at: at('2024-01-03T13:00:00Z'),
    updated_at: at('2024-01-03T13:00:00Z'),
  });
  await put('polls', {
    id: 901,
    account_id: alice.id,
    status_id: statuses.poll,
    expires_at: at('2024-01-03T12:00:00Z'),
    options: ['Tea', 'Coffee'],
    cached_tallies: [1, 0],
    multiple: false,
    votes_count: 1,
    voters_count: 1,
    ...ts,
  });
  await put('poll_votes', { account_id: bob.id, poll_id: 901, choice: 0, ...ts });
  await put('mentions', { status_id: statuses.direct, account_id: bob.id, ...ts });
  await put('mentions', { status_id: statuses.mention, account_id: alice.id, ...ts });
  await put('statuses_tags', { status_id: statuses.hello, tag_id: 501 });
  await put('statuses_tags', { status_id: statuses.poll, tag_id: 502 });
  await put('preview_cards_statuses', { preview_card_id: 701, status_id: statuses.hello, url: 'https://news.example/story' });
  const media = { image: s('2024-01-01T11:59:00Z', 1), remote: s('2024-01-04T12:00:00Z', 2) };
  await put('media_attachments', {
    id: media.image,
    status_id: statuses.hello,
    account_id: alice.id,
    type: 0,
    file_file_name: 'rabbit.png',
    file_content_type: 'image/png',
    file_file_size: 2048,
    file_meta: { original: { width: 640, height: 480, size: '640x480', aspect: 1.3333 }, small: { width: 400, height: 300 }, focus: { x: 0.1, y: -0.2 } },
    description: 'A white rabbit with a watch',
    blurhash: 'UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s8tLOt',
    processing: 2,
    shortcode: 'AbCdEf',
    ...ts,
  });
  await put('media_attachments', {
    id: media.remote,
    status_id: statuses.remote,
    account_id: erin,
    type: 2,
    remote_url: 'https://remote.example/media/clip.mp4',
    file_content_type: 'video/mp4',
    description: 'A clip',
    ...ts,
  });
  await run(`UPDATE statuses SET ordered_media_attachment_ids = ARRAY[$1::bigint] WHERE id = $2`, [media.image, statuses.hello]);
  await put('account_conversations', {
    account_id: alice.id,
    conversation_id: conversation,
    participant_account_ids: [bob.id],
    status_ids: [statuses.direct],
    last_status_id: statuses.direct,
    unread: false,
  });
  await put('account_conversations', {
    account_id: bob.id,
    conversation_id: conversation,
    participant_account_ids: [alice.id],
    status_ids: [statuses.direct],
    last_status_id: statuses.direct,
    unread: true,
  });

  // relationships
  const follow = (id: number, from: string, to: string, extra: Record<string, unknown> = {}) => put('follows', { id, account_id: from, target_account_id: to, ...ts, ...extra });
  await follow(1, bob.id, alice.id, { notify: true });
  await follow(2, alice.id, erin, { uri: `${base}/${randomBytes(8).toString('hex')}` });
  await follow(3, erin, alice.id, { uri: 'https://remote.example/follows/1' });
  await follow(4, alice.id, bob.id, { show_reblogs: false, languages: ['en'] });
  let followId = 10;
  for (const id of Object.values(peers)) await follow(followId++, id, alice.id, { uri: `https://peer.invalid/follows/${followId}` });
  await put('follow_requests', { account_id: carol.id, target_account_id: bob.id, ...ts });
  await put('blocks', { account_id: alice.id, target_account_id: dave, ...ts });
  await put('mutes', { account_id: bob.id, target_account_id: erin, hide_notifications: false, ...ts });
  await put('account_domain_blocks', { account_id: bob.id, domain: 'spam.example', ...ts });
  await put('account_notes', { account_id: alice.id, target_account_id: bob.id, comment: 'Met at the tea party', ...ts });
  await put('account_stats', { account_id: alice.id, statuses_count: 6, following_count: 2, followers_count: 2 + Object.keys(peers).length, last_status_at: at('2024-01-08T12:00:00Z'), ...ts });
  await put('account_stats', { account_id: bob.id, statuses_count: 2, following_count: 1, followers_count: 1, ...ts });
  await put('account_stats', { account_id: erin, statuses_count: 120, following_count: 30, followers_count: 45, ...ts });

  // a member's things
  await put('lists', { id: 1001, account_id: alice.id, title: 'Friends', replies_policy: 1, exclusive: true, ...ts });
  await put('list_accounts', { list_id: 1001, account_id: bob.id, follow_id: 4 });
  await put('custom_filters', { id: 1101, account_id: alice.id, phrase: 'Spoilers', context: ['home', 'public'], action: 1, ...ts });
  await put('custom_filter_keywords', { custom_filter_id: 1101, keyword: 'ending', whole_word: true, ...ts });
  await put('custom_filter_statuses', { custom_filter_id: 1101, status_id: statuses.remote, ...ts });
  await put('favourites', { account_id: bob.id, status_id: statuses.hello, ...ts });
  await put('favourites', { account_id: alice.id, status_id: statuses.remote, ...ts });
  await put('bookmarks', { account_id: alice.id, status_id: statuses.remote, ...ts });
  await put('status_pins', { account_id: alice.id, status_id: statuses.hello, ...ts });
  await put('markers', { user_id: alice.userId, timeline: 'home', last_read_id: statuses.remote, lock_version: 3, ...ts });
  await put('markers', { user_id: alice.userId, timeline: 'notifications', last_read_id: 2, ...ts });
  await put('featured_tags', { account_id: alice.id, tag_id: 501, name: 'wonderland', statuses_count: 1, ...ts });
  await put('tag_follows', { account_id: bob.id, tag_id: 501, ...ts });
  await put('notifications', { id: 1, activity_id: 1, activity_type: 'Favourite', type: 'favourite', account_id: alice.id, from_account_id: bob.id, ...ts });
  await put('notifications', { id: 2, activity_id: 2, activity_type: 'Mention', type: 'mention', account_id: alice.id, from_account_id: bob.id, ...ts });
  await put('notifications', { id: 3, activity_id: 3, activity_type: 'Follow', type: 'follow', account_id: alice.id, from_account_id: erin, ...ts });
  await put('notifications', { id: 4, activity_id: 1, activity_type: 'FollowRequest', type: 'follow_request', account_id: bob.id, from_account_id: carol.id, ...ts });

  // the instance
  const setting = (name: string, yaml: string) => put('settings', { var: name, value: yaml, ...ts });
  await setting('site_title', '--- Wonderland Social\n');
  await setting('site_short_description', "--- 'A place for curious people: tea, cakes and rabbits'\n");
  await setting('site_contact_email', '--- admin@wonderland.example\n');
  await setting('registrations_mode', '--- approved\n');
  await setting('require_invite_text', '--- true\n');
  await setting('show_domain_blocks', '--- all\n');
  await setting('show_domain_blocks_rationale', '--- all\n');
  await setting('theme', '--- contrast\n');
  await put('rules', { id: 1, priority: 0, text: 'Be kind', hint: 'No harassment', ...ts });
  await put('rules', { id: 2, priority: 1, text: 'No spam', ...ts });
  await put('rules', { id: 3, priority: 2, text: 'Old rule', deleted_at: ts.updated_at, ...ts });
  await put('domain_blocks', { domain: 'spam.example', severity: 1, reject_media: true, reject_reports: true, private_comment: 'spam wave', public_comment: 'Spam', ...ts });
  await put('domain_blocks', { domain: 'loud.example', severity: 0, obfuscate: true, ...ts });
  await put('domain_allows', { domain: 'friends.example', ...ts });
  await put('ip_blocks', { ip: '192.0.2.0/24', severity: 5500, comment: 'sign-up spam', ...ts });
  await put('ip_blocks', { ip: '203.0.113.9', severity: 9999, expires_at: at('2099-01-01T00:00:00Z'), ...ts });
  await put('email_domain_blocks', { id: 1, domain: 'mailinator.com', ...ts });
  await put('email_domain_blocks', { id: 2, domain: 'mx.mailinator.com', parent_id: 1, ...ts });
  await put('reports', {
    id: 1201,
    account_id: bob.id,
    target_account_id: dave,
    status_ids: [],
    comment: 'Spam from dave',
    category: 1000,
    rule_ids: [2],
    forwarded: false,
    action_taken_at: ts.updated_at,
    action_taken_by_account_id: alice.id,
    assigned_account_id: carol.id,
    ...ts,
  });
  await put('report_notes', { report_id: 1201, account_id: carol.id, content: 'Looked at it, suspending', ...ts });
  await put('announcements', { id: 1301, text: 'Welcome to Wonderland!', published: true, published_at: ts.created_at, all_day: false, ...ts });

  if (options.scale) {
    // many statuses of alice's, each with Mastodon's id for its time
    await run(
      `INSERT INTO statuses (id, uri, url, text, account_id, local, visibility, language, created_at, updated_at)
       SELECT id, $2 || '/users/alice/statuses/' || id, NULL, 'Status number ' || n || ' with some text to carry', $3, true, 0, 'en', t, t
       FROM (SELECT n, t, ((extract(epoch FROM t) * 1000)::bigint << 16) | (n % 65536) AS id
             FROM (SELECT n, timestamp '2022-01-01' + n * interval '1 second' AS t FROM generate_series(1, $1::int) AS n) AS times) AS rows`,
      [options.scale, base, alice.id],
    );
  }

  return {
    domain,
    baseUrl: base,
    alice,
    bob,
    carol,
    frank,
    remote: { erin, dave, peers },
    app,
    tokens,
    statuses,
    pollId: '901',
    tags: { wonderland: '501', tea: '502' },
    list: '1001',
    filter: '1101',
    media,
    card: '701',
    emoji: { local: '601', remote: '602' },
    report: '1201',
    announcement: '1301',
    conversation,
  };
}

/**
 * An in-memory PGlite holding Mastodon's schema, loaded from a dump made once per schema (creating a
 * PGlite and its schema costs ~10 s here, loading the dump a few).
 */
async function pgliteWithSchema(schema: string) {
  const { PGlite } = await import('@electric-sql/pglite');
  const dump = join(tmpdir(), `subspace-mastodon-source-${createHash('sha256').update(schema).digest('hex').slice(0, 12)}.tar`);
  if (existsSync(dump)) return PGlite.create({ loadDataDir: new Blob([readFileSync(dump)]) });
  const db = await PGlite.create();
  await db.exec(schema);
  const building = `${dump}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(building, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
  renameSync(building, dump);
  return db;
}

/**
 * A Mastodon 4.x database (test/fixtures/mastodon/schema.sql) filled with realistic rows, reached
 * through a `postgres://` URL: a database of its own on the test PostgreSQL in server mode, a PGlite
 * served over the wire protocol on loopback in the embedded pass.
 */
export async function startMastodonSource(options: MastodonSourceOptions = {}): Promise<MastodonSource> {
  const schema = readFileSync(SCHEMA, 'utf8');
  if (serverMode) {
    const adminUrl = process.env.SUBSPACE_TEST_ADMIN_URL ?? process.env.DATABASE_URL!;
    const name = `mastodon_source_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${name}`;
    const url = parsed.toString();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(schema);
    const fixture = await fill((text, params) => client.query(text, params as unknown[]), options);
    return {
      url,
      fixture,
      query: async (text, params) => (await client.query(text, params as unknown[])).rows,
      async close() {
        await client.end();
        const dropper = new pg.Client({ connectionString: adminUrl });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        await dropper.end();
      },
    };
  }
  const db = await pgliteWithSchema(schema);
  const fixture = await fill((text, params) => db.query(text, params as unknown[]), options);
  const wire = await serveOverWire(db);
  return {
    url: wire.url,
    fixture,
    query: async (text, params) => (await db.query<any>(text, params as unknown[])).rows,
    async close() {
      await wire.close();
      await db.close();
    },
  };
}

/**
 * Runs `subspace import mastodon --database SOURCE ARGS` into a new instance's environment (its data
 * dir or database, `instanceEnv` set), with `env` added for the command alone; answers the
 * environment, for startInstance({ environment }), and how the command ended.
 */
export async function importIntoNewInstance(
  source: MastodonSource,
  options: { instanceEnv?: Record<string, string>; env?: Record<string, string>; args?: string[] } = {},
): Promise<{ environment: TestEnvironment; run: { code: number | string; output: string } }> {
  const environment = await prepareTestEnvironment(options.instanceEnv);
  const importing = runSubspace(['import', 'mastodon', '--database', source.url, ...(options.args ?? [])], { ...environment.env, ...options.env });
  return { environment, run: { code: await importing.exited, output: importing.output() } };
}
