import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * Mastodon-style 64-bit time-ordered ids: milliseconds since the epoch in the high 48 bits and a
 * sequence in the low 16 (see the `timestamp_id()` function in the first migration). Kept as
 * strings in JavaScript because they do not fit a double, and rendered as strings in the API.
 */
export const snowflake = customType<{ data: string; driverData: string | bigint }>({
  dataType: () => 'bigint',
  fromDriver: (value) => String(value),
  toDriver: (value) => value,
});

const id = () => snowflake('id').primaryKey().default(sql`timestamp_id()`);
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export interface ProfileField {
  name: string;
  value: string;
  verified_at: string | null;
}

export const accounts = pgTable(
  'accounts',
  {
    id: id(),
    username: text('username').notNull(),
    /** null for local accounts */
    domain: text('domain'),
    displayName: text('display_name').notNull().default(''),
    /** the bio as the member typed it; rendered to HTML by the serializer */
    note: text('note').notNull().default(''),
    fields: jsonb('fields').$type<ProfileField[]>().notNull().default([]),
    locked: boolean('locked').notNull().default(false),
    bot: boolean('bot').notNull().default(false),
    discoverable: boolean('discoverable'),
    indexable: boolean('indexable').notNull().default(false),
    hideCollections: boolean('hide_collections'),
    uri: text('uri').notNull().default(''),
    url: text('url'),
    avatarUrl: text('avatar_url'),
    headerUrl: text('header_url'),
    publicKeyPem: text('public_key_pem'),
    privateKeyPem: text('private_key_pem'),
    statusesCount: integer('statuses_count').notNull().default(0),
    followersCount: integer('followers_count').notNull().default(0),
    followingCount: integer('following_count').notNull().default(0),
    lastStatusAt: timestamp('last_status_at', { withTimezone: true }),
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    silencedAt: timestamp('silenced_at', { withTimezone: true }),
    memorial: boolean('memorial').notNull().default(false),
    movedToAccountId: snowflake('moved_to_account_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_accounts_on_username_and_domain_lower').on(sql`lower(${t.username})`, sql`coalesce(lower(${t.domain}), '')`)],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    encryptedPassword: text('encrypted_password').notNull().default(''),
    /** one of the built-in roles in services/roles.ts, or null for a member */
    role: text('role'),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    confirmationTokenDigest: text('confirmation_token_digest'),
    confirmationSentAt: timestamp('confirmation_sent_at', { withTimezone: true }),
    approved: boolean('approved').notNull().default(true),
    disabled: boolean('disabled').notNull().default(false),
    locale: text('locale'),
    /** `source[privacy|sensitive|language]` and other per-member preferences */
    settings: jsonb('settings').$type<UserSettings>().notNull().default({}),
    signUpIp: text('sign_up_ip'),
    /** the reason given when registrations need approval */
    inviteRequestText: text('invite_request_text'),
    currentSignInAt: timestamp('current_sign_in_at', { withTimezone: true }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('index_users_on_email_lower').on(sql`lower(${t.email})`),
    uniqueIndex('index_users_on_account_id').on(t.accountId),
  ],
);

export interface UserSettings {
  'default_privacy'?: 'public' | 'unlisted' | 'private' | 'direct';
  'default_sensitive'?: boolean;
  'default_language'?: string | null;
  'expand_spoilers'?: boolean;
  'expand_media'?: 'default' | 'show_all' | 'hide_all';
}

export const oauthApplications = pgTable(
  'oauth_applications',
  {
    id: id(),
    name: text('name').notNull(),
    /** the client_id */
    uid: text('uid').notNull(),
    secretDigest: text('secret_digest').notNull(),
    redirectUris: text('redirect_uris').array().notNull(),
    scopes: text('scopes').notNull(),
    website: text('website'),
    superapp: boolean('superapp').notNull().default(false),
    ownerAccountId: snowflake('owner_account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_oauth_applications_on_uid').on(t.uid)],
);

export const oauthAccessGrants = pgTable(
  'oauth_access_grants',
  {
    id: id(),
    codeDigest: text('code_digest').notNull(),
    applicationId: snowflake('application_id')
      .notNull()
      .references(() => oauthApplications.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    redirectUri: text('redirect_uri').notNull(),
    scopes: text('scopes').notNull(),
    codeChallenge: text('code_challenge'),
    codeChallengeMethod: text('code_challenge_method'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_oauth_access_grants_on_code_digest').on(t.codeDigest)],
);

export const oauthAccessTokens = pgTable(
  'oauth_access_tokens',
  {
    id: id(),
    tokenDigest: text('token_digest').notNull(),
    applicationId: snowflake('application_id').references(() => oauthApplications.id, { onDelete: 'cascade' }),
    /** null for client_credentials tokens */
    userId: snowflake('user_id').references(() => users.id, { onDelete: 'cascade' }),
    scopes: text('scopes').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('index_oauth_access_tokens_on_token_digest').on(t.tokenDigest),
    index('index_oauth_access_tokens_on_user_id').on(t.userId),
  ],
);

/** Browser sign-in sessions for the OAuth pages (Mastodon's session_activations). */
export const sessionActivations = pgTable(
  'session_activations',
  {
    id: id(),
    sessionDigest: text('session_digest').notNull(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userAgent: text('user_agent').notNull().default(''),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_session_activations_on_session_digest').on(t.sessionDigest)],
);

/** Instance-wide settings an admin changes at run time (Mastodon's `settings` table). */
export const settings = pgTable('settings', {
  var: text('var').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

export const customEmojis = pgTable(
  'custom_emojis',
  {
    id: id(),
    shortcode: text('shortcode').notNull(),
    domain: text('domain'),
    imageUrl: text('image_url').notNull(),
    staticImageUrl: text('static_image_url').notNull(),
    visibleInPicker: boolean('visible_in_picker').notNull().default(true),
    disabled: boolean('disabled').notNull().default(false),
    category: text('category'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_custom_emojis_on_shortcode_and_domain').on(t.shortcode, sql`coalesce(${t.domain}, '')`)],
);

const accountPair = (name: string) => ({
  id: id(),
  accountId: snowflake('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  targetAccountId: snowflake(name)
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});

export const follows = pgTable(
  'follows',
  {
    ...accountPair('target_account_id'),
    showReblogs: boolean('show_reblogs').notNull().default(true),
    notify: boolean('notify').notNull().default(false),
    languages: text('languages').array(),
    uri: text('uri'),
  },
  (t) => [
    uniqueIndex('index_follows_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId),
    index('index_follows_on_target_account_id').on(t.targetAccountId),
  ],
);

export const followRequests = pgTable(
  'follow_requests',
  {
    ...accountPair('target_account_id'),
    showReblogs: boolean('show_reblogs').notNull().default(true),
    notify: boolean('notify').notNull().default(false),
    languages: text('languages').array(),
    uri: text('uri'),
  },
  (t) => [uniqueIndex('index_follow_requests_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)],
);

export const blocks = pgTable(
  'blocks',
  { ...accountPair('target_account_id'), uri: text('uri') },
  (t) => [uniqueIndex('index_blocks_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)],
);

export const mutes = pgTable(
  'mutes',
  {
    ...accountPair('target_account_id'),
    hideNotifications: boolean('hide_notifications').notNull().default(true),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('index_mutes_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)],
);

export const accountNotes = pgTable(
  'account_notes',
  { ...accountPair('target_account_id'), comment: text('comment').notNull().default('') },
  (t) => [uniqueIndex('index_account_notes_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)],
);

/** Endorsed ("featured") accounts on a profile. */
export const accountPins = pgTable(
  'account_pins',
  accountPair('target_account_id'),
  (t) => [uniqueIndex('index_account_pins_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)],
);

export const accountDomainBlocks = pgTable(
  'account_domain_blocks',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_account_domain_blocks_on_account_id_and_domain').on(t.accountId, t.domain)],
);

/** The embedded queue driver's durable job table (the server driver keeps jobs in Redis). */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    queue: text('queue').notNull(),
    name: text('name').notNull(),
    data: jsonb('data').notNull(),
    /** 'queued' | 'running' | 'dead' — finished jobs are deleted */
    state: text('state').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    lockedAt: timestamp('locked_at', { withTimezone: true }),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    /** set for jobs that must exist at most once while pending (e.g. scheduled ticks) */
    uniqueKey: text('unique_key'),
    createdAt: createdAt(),
  },
  (t) => [
    index('index_jobs_on_queue_and_run_at').on(t.queue, t.runAt).where(sql`${t.state} = 'queued'`),
    uniqueIndex('index_jobs_on_unique_key').on(t.uniqueKey).where(sql`${t.state} <> 'dead'`),
  ],
);
