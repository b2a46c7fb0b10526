import { sql } from 'drizzle-orm';
import { type AnyPgColumn, bigint, bigserial, boolean, customType, date, doublePrecision, index, inet, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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
    /** a local member's "opt out of search engine indexing" (Mastodon's user setting `noindex`) */
    noindex: boolean('noindex').notNull().default(false),
    hideCollections: boolean('hide_collections'),
    uri: text('uri').notNull().default(''),
    url: text('url'),
    /** where a remote account's avatar and header come from (Mastodon's avatar_remote_url) */
    avatarRemoteUrl: text('avatar_remote_url'),
    headerRemoteUrl: text('header_remote_url'),
    /** the stored files (a local member's upload, or a remote account's cached copy), keys in storage */
    avatarFileKey: text('avatar_file_key'),
    /** the first frame of an animated avatar or header (avatar_static) */
    avatarStaticFileKey: text('avatar_static_file_key'),
    avatarContentType: text('avatar_content_type'),
    headerFileKey: text('header_file_key'),
    headerStaticFileKey: text('header_static_file_key'),
    headerContentType: text('header_content_type'),
    /** what the member says the avatar and header show, for those who cannot see them (Mastodon 4.6) */
    avatarDescription: text('avatar_description').notNull().default(''),
    headerDescription: text('header_description').notNull().default(''),
    publicKeyPem: text('public_key_pem'),
    privateKeyPem: text('private_key_pem'),
    /** the Ed25519 key pair of a local account (Object Integrity Proofs), made on first use */
    ed25519PublicKeyPem: text('ed25519_public_key_pem'),
    ed25519PrivateKeyPem: text('ed25519_private_key_pem'),
    /** actor URIs this account is also known as (the aliases a Move needs) */
    alsoKnownAs: text('also_known_as').array(),
    statusesCount: integer('statuses_count').notNull().default(0),
    followersCount: integer('followers_count').notNull().default(0),
    followingCount: integer('following_count').notNull().default(0),
    lastStatusAt: timestamp('last_status_at', { withTimezone: true }),
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    silencedAt: timestamp('silenced_at', { withTimezone: true }),
    /** staff marked the account's media sensitive (Mastodon's sensitized_at) */
    sensitizedAt: timestamp('sensitized_at', { withTimezone: true }),
    /** `local` when staff here suspended it, `remote` when its own server did */
    suspensionOrigin: text('suspension_origin'),
    memorial: boolean('memorial').notNull().default(false),
    /** a local account known by its numeric ActivityPub id, `/ap/users/<id>` (Mastodon 4.4's id_scheme numeric_ap_id), not `/users/<username>` */
    numericApId: boolean('numeric_ap_id').notNull().default(false),
    /** whether its statuses may trend: null until staff review it (then `trendable_by_default` decides) */
    trendable: boolean('trendable'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    requestedReviewAt: timestamp('requested_review_at', { withTimezone: true }),
    movedToAccountId: snowflake('moved_to_account_id'),
    // What a remote account's actor document said (Mastodon's column names); null for local accounts.
    /** `activitypub` for remote accounts */
    protocol: text('protocol'),
    /** Person, Service, Application, Group or Organization */
    actorType: text('actor_type'),
    inboxUrl: text('inbox_url'),
    sharedInboxUrl: text('shared_inbox_url'),
    outboxUrl: text('outbox_url'),
    followersUrl: text('followers_url'),
    followingUrl: text('following_url'),
    featuredCollectionUrl: text('featured_collection_url'),
    /** the Ed25519 (multikey) public key of a remote actor, as received; its RSA key is in public_key_pem */
    remoteMultikeyPem: text('remote_multikey_pem'),
    /** when the handle last resolved to this actor through WebFinger */
    lastWebfingeredAt: timestamp('last_webfingered_at', { withTimezone: true }),
    /** when the actor document was last processed; a day later the account is refreshed */
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('index_accounts_on_username_and_domain_lower').on(sql`lower(${t.username})`, sql`coalesce(lower(${t.domain}), '')`),
    index('index_accounts_on_uri').on(t.uri),
    // account search: prefix and trigram similarity (pg_trgm)
    index('index_accounts_on_username_trgm').using('gin', sql`lower(${t.username}) gin_trgm_ops`),
    index('index_accounts_on_display_name_trgm').using('gin', sql`lower(${t.displayName}) gin_trgm_ops`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    /** a new address waiting for its confirmation link to be opened (Devise's reconfirmable); `email` stays until then */
    unconfirmedEmail: text('unconfirmed_email'),
    encryptedPassword: text('encrypted_password').notNull().default(''),
    /** one of the built-in roles in services/roles.ts, or null for a member */
    role: text('role'),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    confirmationTokenDigest: text('confirmation_token_digest'),
    confirmationSentAt: timestamp('confirmation_sent_at', { withTimezone: true }),
    /** Devise's reset_password_token, kept as a digest: single-use, valid for RESET_PASSWORD_WITHIN after it was sent */
    resetPasswordTokenDigest: text('reset_password_token_digest'),
    resetPasswordSentAt: timestamp('reset_password_sent_at', { withTimezone: true }),
    approved: boolean('approved').notNull().default(true),
    disabled: boolean('disabled').notNull().default(false),
    locale: text('locale'),
    /** `source[privacy|sensitive|language]` and other per-member preferences */
    settings: jsonb('settings').$type<UserSettings>().notNull().default({}),
    /** languages shown in public timelines; null for all */
    chosenLanguages: text('chosen_languages').array(),
    signUpIp: text('sign_up_ip'),
    /** the reason given when registrations need approval */
    inviteRequestText: text('invite_request_text'),
    /** the invite the member signed up with (invites, below) */
    inviteId: snowflake('invite_id'),
    /** the app the member signed up through, which alone may resend the confirmation mail */
    createdByApplicationId: snowflake('created_by_application_id').references((): AnyPgColumn => oauthApplications.id, { onDelete: 'set null' }),
    currentSignInAt: timestamp('current_sign_in_at', { withTimezone: true }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    /** two-factor sign-in (TOTP) is on: Mastodon's otp_required_for_login */
    otpRequiredForLogin: boolean('otp_required_for_login').notNull().default(false),
    /** the TOTP secret, base32 */
    otpSecret: text('otp_secret'),
    /** the last TOTP time step accepted: a code is good once */
    consumedTimestep: integer('consumed_timestep'),
    /** bcrypt hashes of the unused recovery codes */
    otpBackupCodes: text('otp_backup_codes').array(),
    /** the user handle security keys are registered for (base64url), made on the first enrolment */
    webauthnId: text('webauthn_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('index_users_on_email_lower').on(sql`lower(${t.email})`),
    uniqueIndex('index_users_on_account_id').on(t.accountId),
    uniqueIndex('index_users_on_reset_password_token_digest').on(t.resetPasswordTokenDigest).where(sql`${t.resetPasswordTokenDigest} IS NOT NULL`),
  ],
);

/** The notifications a member may have mailed (Mastodon's `notification_emails.*` settings). */
export type NotificationEmailType = 'follow' | 'reblog' | 'favourite' | 'mention' | 'follow_request' | 'report' | 'pending_account';

export interface UserSettings {
  default_privacy?: 'public' | 'unlisted' | 'private' | 'direct';
  default_sensitive?: boolean;
  default_language?: string | null;
  expand_spoilers?: boolean;
  expand_media?: 'default' | 'show_all' | 'hide_all';
  /** the v2 notification policy (`/api/v2/notifications/policy`): accept | filter | drop per category */
  /** which notifications are also mailed (Mastodon's `notification_emails.*`; see services/accounts/notification-emails.ts for the defaults) */
  notification_emails?: Partial<Record<NotificationEmailType, boolean>>;
  /** mail notifications even while the member is online (streaming or Web Push) */
  always_send_emails?: boolean;
  notifications_policy?: Partial<Record<'for_not_following' | 'for_not_followers' | 'for_new_accounts' | 'for_private_mentions' | 'for_limited_accounts', 'accept' | 'filter' | 'drop'>>;
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
    /** the authorization code it was issued for: replaying the code revokes it (RFC 6749 §4.1.2) */
    grantId: snowflake('grant_id').references(() => oauthAccessGrants.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('index_oauth_access_tokens_on_token_digest').on(t.tokenDigest),
    index('index_oauth_access_tokens_on_user_id').on(t.userId),
    index('index_oauth_access_tokens_on_grant_id').on(t.grantId),
  ],
);

/** Sign-ins from the web, successful or not (Mastodon's login_activities); successful ones make an address known. */
export const loginActivities = pgTable(
  'login_activities',
  {
    id: id(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `password` (Mastodon's other methods are two-factor ones) */
    authenticationMethod: text('authentication_method').notNull(),
    success: boolean('success').notNull(),
    failureReason: text('failure_reason'),
    ip: text('ip'),
    userAgent: text('user_agent').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [index('index_login_activities_on_user_id').on(t.userId), index('index_login_activities_on_created_at').on(t.createdAt)],
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

/** Security keys (Mastodon's webauthn_credentials): the base64url credential id and COSE public key, usable once TOTP is on. */
export const webauthnCredentials = pgTable(
  'webauthn_credentials',
  {
    id: id(),
    externalId: text('external_id').notNull(),
    publicKey: text('public_key').notNull(),
    nickname: text('nickname').notNull(),
    signCount: bigint('sign_count', { mode: 'number' }).notNull().default(0),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_webauthn_credentials_on_external_id').on(t.externalId), uniqueIndex('index_webauthn_credentials_on_user_id_and_nickname').on(t.userId, t.nickname)],
);

/**
 * The key pairs of the instance actor (`/actor`), one per algorithm (`rsa`, `ed25519`), made on first
 * use. Kept apart from `settings`, which is cached whole.
 */
export const instanceActorKeys = pgTable('instance_actor_keys', {
  algorithm: text('algorithm').primaryKey(),
  publicKeyPem: text('public_key_pem').notNull(),
  privateKeyPem: text('private_key_pem').notNull(),
  createdAt: createdAt(),
});

/** Instance-wide settings an admin changes at run time (Mastodon's `settings` table). */
export const settings = pgTable('settings', {
  var: text('var').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

/** The instance's rules (Mastodon's `rules`), shown on /about, at sign-up and by `/api/v1/instance/rules`. */
export const rules = pgTable('rules', {
  id: id(),
  priority: integer('priority').notNull().default(0),
  text: text('text').notNull().default(''),
  hint: text('hint').notNull().default(''),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const customEmojis = pgTable(
  'custom_emojis',
  {
    id: id(),
    shortcode: text('shortcode').notNull(),
    domain: text('domain'),
    /** a remote emoji's image where its server keeps it (Mastodon's image_remote_url) */
    imageUrl: text('image_url'),
    staticImageUrl: text('static_image_url'),
    /** the stored image (a local emoji, or a remote one's cached copy) and its still first frame, keys in storage */
    imageFileKey: text('image_file_key'),
    imageStaticFileKey: text('image_static_file_key'),
    imageContentType: text('image_content_type'),
    /** a remote emoji's ActivityPub id */
    uri: text('uri'),
    visibleInPicker: boolean('visible_in_picker').notNull().default(true),
    disabled: boolean('disabled').notNull().default(false),
    category: text('category'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
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
  (t) => [uniqueIndex('index_follows_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId), index('index_follows_on_target_account_id').on(t.targetAccountId)],
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

export const blocks = pgTable('blocks', { ...accountPair('target_account_id'), uri: text('uri') }, (t) => [
  uniqueIndex('index_blocks_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId),
]);

export const mutes = pgTable(
  'mutes',
  {
    ...accountPair('target_account_id'),
    hideNotifications: boolean('hide_notifications').notNull().default(true),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('index_mutes_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)],
);

export const accountNotes = pgTable('account_notes', { ...accountPair('target_account_id'), comment: text('comment').notNull().default('') }, (t) => [
  uniqueIndex('index_account_notes_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId),
]);

/** Endorsed ("featured") accounts on a profile. */
export const accountPins = pgTable('account_pins', accountPair('target_account_id'), (t) => [uniqueIndex('index_account_pins_on_account_id_and_target_account_id').on(t.accountId, t.targetAccountId)]);

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
  (t) => [index('index_jobs_on_queue_and_run_at').on(t.queue, t.runAt).where(sql`${t.state} = 'queued'`), uniqueIndex('index_jobs_on_unique_key').on(t.uniqueKey).where(sql`${t.state} <> 'dead'`)],
);

// ---------------------------------------------------------------------------------------------
// The social core: statuses and what hangs off them.

export const statuses = pgTable(
  'statuses',
  {
    id: id(),
    uri: text('uri'),
    url: text('url'),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** the source text as the author typed it (local statuses) */
    text: text('text').notNull().default(''),
    /** the rendered HTML */
    content: text('content').notNull().default(''),
    spoilerText: text('spoiler_text').notNull().default(''),
    sensitive: boolean('sensitive').notNull().default(false),
    /** public | unlisted | private | direct | limited */
    visibility: text('visibility').notNull().default('public'),
    language: text('language'),
    inReplyToId: snowflake('in_reply_to_id'),
    inReplyToAccountId: snowflake('in_reply_to_account_id'),
    reblogOfId: snowflake('reblog_of_id'),
    conversationId: snowflake('conversation_id'),
    applicationId: snowflake('application_id'),
    local: boolean('local').notNull().default(true),
    pollId: snowflake('poll_id'),
    repliesCount: integer('replies_count').notNull().default(0),
    reblogsCount: integer('reblogs_count').notNull().default(0),
    favouritesCount: integer('favourites_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /** staff's decision on this status trending; null defers to its account's */
    trendable: boolean('trendable'),
  },
  (t) => [
    index('index_statuses_on_account_id_and_id').on(t.accountId, t.id),
    index('index_statuses_on_in_reply_to_id').on(t.inReplyToId),
    index('index_statuses_on_reblog_of_id').on(t.reblogOfId),
    uniqueIndex('index_statuses_one_reblog_per_account').on(t.accountId, t.reblogOfId).where(sql`${t.reblogOfId} IS NOT NULL AND ${t.deletedAt} IS NULL`),
    uniqueIndex('index_statuses_on_uri').on(t.uri),
    index('index_statuses_public_timeline').on(t.id).where(sql`${t.visibility} = 'public' AND ${t.deletedAt} IS NULL AND ${t.reblogOfId} IS NULL`),
    index('index_statuses_on_conversation_id').on(t.conversationId),
  ],
);

/** PostgreSQL's text search document, read and written as its text form. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * What full-text search (GET /api/v2/search) finds a status by: its content warning and text,
 * stemmed in its language and as written (migration 0035's `status_search_document`). Written by a
 * trigger on statuses on every change of the text; `subspace search deploy` rebuilds them all.
 */
export const statusSearchDocuments = pgTable(
  'status_search_documents',
  {
    statusId: snowflake('status_id')
      .primaryKey()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    document: tsvector('document').notNull(),
  },
  (t) => [index('index_status_search_documents_on_document').using('gin', t.document)],
);

/**
 * The URIs of remote statuses deleted before or after they arrived (Mastodon's tombstones): a
 * Create, Announce or Like of one is refused, so a Delete that overtook its Create still wins.
 */
export const tombstones = pgTable(
  'tombstones',
  {
    id: id(),
    uri: text('uri').notNull(),
    accountId: snowflake('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_tombstones_on_uri').on(t.uri), index('index_tombstones_on_account_id').on(t.accountId)],
);

export const statusEdits = pgTable(
  'status_edits',
  {
    id: id(),
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    accountId: snowflake('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    text: text('text').notNull().default(''),
    content: text('content').notNull().default(''),
    spoilerText: text('spoiler_text').notNull().default(''),
    sensitive: boolean('sensitive').notNull().default(false),
    /** the poll's option titles at this revision */
    pollOptions: text('poll_options').array(),
    /** the uploaded attachments at this revision, in order (Mastodon's ordered_media_attachment_ids); null for remote edits */
    mediaAttachmentIds: text('media_attachment_ids').array(),
    createdAt: createdAt(),
  },
  (t) => [index('index_status_edits_on_status_id').on(t.statusId)],
);

export const mentions = pgTable(
  'mentions',
  {
    id: id(),
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** a mention that does not notify (kept for edits that remove it) */
    silent: boolean('silent').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_mentions_on_status_id_and_account_id').on(t.statusId, t.accountId), index('index_mentions_on_account_id').on(t.accountId)],
);

export const tags = pgTable(
  'tags',
  {
    id: id(),
    /** as first written, e.g. `SubSpace` */
    name: text('name').notNull(),
    usable: boolean('usable').notNull().default(true),
    listable: boolean('listable').notNull().default(true),
    /** whether it may trend: null until staff review it (then `trendable_by_default` decides) */
    trendable: boolean('trendable'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    requestedReviewAt: timestamp('requested_review_at', { withTimezone: true }),
    /** the peak trend score and when it was reached (Trends::Tags decays from it) */
    maxScore: doublePrecision('max_score'),
    maxScoreAt: timestamp('max_score_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_tags_on_name_lower').on(sql`lower(${t.name})`), index('index_tags_on_name_trgm').using('gin', sql`lower(${t.name}) gin_trgm_ops`)],
);

export const statusesTags = pgTable(
  'statuses_tags',
  {
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    tagId: snowflake('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.tagId, t.statusId] }), index('index_statuses_tags_on_status_id').on(t.statusId)],
);

/** A member's mark on a status (favourite, bookmark, pin): one per member and status. */
function statusPairTable(name: string) {
  return pgTable(
    name,
    {
      id: id(),
      accountId: snowflake('account_id')
        .notNull()
        .references(() => accounts.id, { onDelete: 'cascade' }),
      statusId: snowflake('status_id')
        .notNull()
        .references(() => statuses.id, { onDelete: 'cascade' }),
      createdAt: createdAt(),
    },
    (t) => [uniqueIndex(`index_${name}_on_account_id_and_status_id`).on(t.accountId, t.statusId), index(`index_${name}_on_status_id`).on(t.statusId)],
  );
}

/**
 * The outbox of fan-out: a row is written with each new status in the same transaction and deleted
 * when its Distribution job has run, so a status whose job was never enqueued (a crash or a Redis
 * outage right after the commit) is found and distributed by the scheduler.
 */
export const pendingDistributions = pgTable(
  'pending_distributions',
  {
    statusId: snowflake('status_id')
      .primaryKey()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [index('index_pending_distributions_on_created_at').on(t.createdAt)],
);

export const favourites = statusPairTable('favourites');
export const bookmarks = statusPairTable('bookmarks');
export const statusPins = statusPairTable('status_pins');

/** Muted conversations (`POST /api/v1/statuses/:id/mute`): no more notifications from the thread. */
export const conversationMutes = pgTable(
  'conversation_mutes',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: snowflake('conversation_id').notNull(),
  },
  (t) => [uniqueIndex('index_conversation_mutes_on_account_id_and_conversation_id').on(t.accountId, t.conversationId)],
);

/** Threads; every status belongs to the conversation of the status it replies to. */
export const conversations = pgTable('conversations', {
  id: id(),
  uri: text('uri'),
  createdAt: createdAt(),
});

/** A member's view of a direct-message conversation (`/api/v1/conversations`). */
export const accountConversations = pgTable(
  'account_conversations',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    conversationId: snowflake('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    participantAccountIds: snowflake('participant_account_ids').array().notNull().default(sql`'{}'`),
    statusIds: snowflake('status_ids').array().notNull().default(sql`'{}'`),
    lastStatusId: snowflake('last_status_id'),
    unread: boolean('unread').notNull().default(false),
  },
  (t) => [uniqueIndex('index_account_conversations_on_account_conversation').on(t.accountId, t.conversationId)],
);

export const polls = pgTable('polls', {
  id: id(),
  accountId: snowflake('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  statusId: snowflake('status_id').references(() => statuses.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  options: text('options').array().notNull(),
  cachedTallies: integer('cached_tallies').array().notNull(),
  multiple: boolean('multiple').notNull().default(false),
  hideTotals: boolean('hide_totals').notNull().default(false),
  votesCount: integer('votes_count').notNull().default(0),
  votersCount: integer('voters_count').notNull().default(0),
  /** set once voters were told it ended */
  expiryNotifiedAt: timestamp('expiry_notified_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const pollVotes = pgTable(
  'poll_votes',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    pollId: snowflake('poll_id')
      .notNull()
      .references(() => polls.id, { onDelete: 'cascade' }),
    choice: integer('choice').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_poll_votes_on_poll_account_choice').on(t.pollId, t.accountId, t.choice), index('index_poll_votes_on_account_id').on(t.accountId)],
);

export const scheduledStatuses = pgTable(
  'scheduled_statuses',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
    /** the POST /api/v1/statuses params to publish with */
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('index_scheduled_statuses_on_scheduled_at').on(t.scheduledAt), index('index_scheduled_statuses_on_account_id').on(t.accountId)],
);

export const notifications = pgTable(
  'notifications',
  {
    id: id(),
    /** the recipient */
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromAccountId: snowflake('from_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** mention | status | reblog | follow | follow_request | favourite | poll | update | … */
    type: text('type').notNull(),
    statusId: snowflake('status_id').references(() => statuses.id, { onDelete: 'cascade' }),
    /** what v2 groups by, e.g. `favourite-<status id>-<hour>`; null for ungrouped types */
    groupKey: text('group_key'),
    /** held back by the recipient's notification policy (a notification request), not shown until accepted */
    filtered: boolean('filtered').notNull().default(false),
    /** the report an `admin.report` notification is about */
    reportId: snowflake('report_id').references(() => reports.id, { onDelete: 'cascade' }),
    /** the strike a `moderation_warning` notification tells the member about */
    accountWarningId: snowflake('account_warning_id').references(() => accountWarnings.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('index_notifications_on_account_id_and_id').on(t.accountId, t.id),
    uniqueIndex('index_notifications_once').on(t.accountId, t.fromAccountId, t.type, sql`coalesce(${t.statusId}, 0)`, sql`coalesce(${t.reportId}, 0)`, sql`coalesce(${t.accountWarningId}, 0)`),
    index('index_notifications_filtered_on_account_id_and_from_account_id').on(t.accountId, t.fromAccountId).where(sql`${t.filtered}`),
  ],
);

/** Filtered mentions from one sender, held for the recipient to accept or dismiss (Mastodon 4.3). */
export const notificationRequests = pgTable(
  'notification_requests',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromAccountId: snowflake('from_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    lastStatusId: snowflake('last_status_id').references(() => statuses.id, { onDelete: 'set null' }),
    notificationsCount: integer('notifications_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_notification_requests_on_account_id_and_from_account_id').on(t.accountId, t.fromAccountId)],
);

/** Senders a member accepted a notification request from: never filtered for them again. */
export const notificationPermissions = pgTable(
  'notification_permissions',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    fromAccountId: snowflake('from_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_notification_permissions_on_account_id_and_from_account_id').on(t.accountId, t.fromAccountId)],
);

export const markers = pgTable(
  'markers',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** home | notifications */
    timeline: text('timeline').notNull(),
    lastReadId: snowflake('last_read_id').notNull(),
    lockVersion: integer('lock_version').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_markers_on_account_id_and_timeline').on(t.accountId, t.timeline)],
);

/** What a Web Push subscription asks for: which notification types, from whom (`data` in Mastodon's web_push_subscriptions). */
export interface WebPushSubscriptionData {
  alerts: Record<string, boolean>;
  /** all | followed | follower | none */
  policy: string;
}

/** A device's Web Push endpoint, one per access token (Mastodon's Web::PushSubscription). */
export const webPushSubscriptions = pgTable(
  'web_push_subscriptions',
  {
    id: id(),
    endpoint: text('endpoint').notNull(),
    /** the client's P-256 public key and auth secret (RFC 8291), URL-safe base64 */
    keyP256dh: text('key_p256dh').notNull(),
    keyAuth: text('key_auth').notNull(),
    /** RFC 8291 `aes128gcm` payloads when true; the older `aesgcm` draft otherwise (Mastodon's `standard`) */
    standard: boolean('standard').notNull().default(false),
    data: jsonb('data').$type<WebPushSubscriptionData>().notNull(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accessTokenId: snowflake('access_token_id')
      .notNull()
      .references(() => oauthAccessTokens.id, { onDelete: 'cascade' }),
    /** the bearer token the payload hands back to the client (Web::NotificationSerializer#access_token), encrypted under the secret key base */
    accessTokenSealed: text('access_token_sealed').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_web_push_subscriptions_on_user_id').on(t.userId), uniqueIndex('index_web_push_subscriptions_on_access_token_id').on(t.accessTokenId)],
);

export const lists = pgTable(
  'lists',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** followed | list | none */
    repliesPolicy: text('replies_policy').notNull().default('list'),
    exclusive: boolean('exclusive').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('index_lists_on_account_id').on(t.accountId)],
);

export const listAccounts = pgTable(
  'list_accounts',
  {
    id: id(),
    listId: snowflake('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
  },
  (t) => [uniqueIndex('index_list_accounts_on_list_id_and_account_id').on(t.listId, t.accountId), index('index_list_accounts_on_account_id').on(t.accountId)],
);

export const customFilters = pgTable(
  'custom_filters',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** home | notifications | public | thread | account */
    context: text('context').array().notNull(),
    /** warn | hide | blur */
    action: text('action').notNull().default('warn'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_custom_filters_on_account_id').on(t.accountId)],
);

export const customFilterKeywords = pgTable(
  'custom_filter_keywords',
  {
    id: id(),
    customFilterId: snowflake('custom_filter_id')
      .notNull()
      .references(() => customFilters.id, { onDelete: 'cascade' }),
    keyword: text('keyword').notNull(),
    wholeWord: boolean('whole_word').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('index_custom_filter_keywords_on_custom_filter_id').on(t.customFilterId)],
);

export const customFilterStatuses = pgTable(
  'custom_filter_statuses',
  {
    id: id(),
    customFilterId: snowflake('custom_filter_id')
      .notNull()
      .references(() => customFilters.id, { onDelete: 'cascade' }),
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_custom_filter_statuses_on_filter_and_status').on(t.customFilterId, t.statusId)],
);

export const tagFollows = pgTable(
  'tag_follows',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    tagId: snowflake('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_tag_follows_on_account_id_and_tag_id').on(t.accountId, t.tagId), index('index_tag_follows_on_tag_id').on(t.tagId)],
);

export const featuredTags = pgTable(
  'featured_tags',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    tagId: snowflake('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_featured_tags_on_account_id_and_tag_id').on(t.accountId, t.tagId)],
);

/**
 * The embedded feeds driver's storage: one row per status in a home or list feed (the server
 * driver keeps Mastodon's Redis sorted sets instead).
 */
export const feedEntries = pgTable(
  'feed_entries',
  {
    /** `home:<account id>` or `list:<list id>` */
    feed: text('feed').notNull(),
    statusId: snowflake('status_id').notNull(),
    /** for reblog de-duplication: the reblogged status, when this entry is a reblog */
    reblogOfId: snowflake('reblog_of_id'),
  },
  (t) => [primaryKey({ columns: [t.feed, t.statusId] }), index('index_feed_entries_on_feed_and_reblog_of_id').on(t.feed, t.reblogOfId).where(sql`${t.reblogOfId} IS NOT NULL`)],
);

/** An upper bound of each embedded feed's entries: a fan-out trims only the feeds past MAX_ITEMS and some slack. */
export const feedSizes = pgTable('feed_sizes', {
  feed: text('feed').primaryKey(),
  entries: integer('entries').notNull(),
});

// ---------------------------------------------------------------------------------------------
// Announcements: messages from the admins shown above the home timeline.

export const announcements = pgTable('announcements', {
  id: id(),
  text: text('text').notNull().default(''),
  published: boolean('published').notNull().default(false),
  publishedAt: timestamp('published_at', { withTimezone: true }),
  /** with starts_at/ends_at: an event on these days, shown without times */
  allDay: boolean('all_day').notNull().default(false),
  startsAt: timestamp('starts_at', { withTimezone: true }),
  endsAt: timestamp('ends_at', { withTimezone: true }),
  /** when an unpublished announcement publishes itself */
  scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** An announcement a member dismissed (marked read). */
export const announcementMutes = pgTable(
  'announcement_mutes',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    announcementId: snowflake('announcement_id')
      .notNull()
      .references(() => announcements.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_announcement_mutes_on_account_id_and_announcement_id').on(t.accountId, t.announcementId), index('index_announcement_mutes_on_announcement_id').on(t.announcementId)],
);

export const announcementReactions = pgTable(
  'announcement_reactions',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    announcementId: snowflake('announcement_id')
      .notNull()
      .references(() => announcements.id, { onDelete: 'cascade' }),
    /** a unicode emoji, or the shortcode of a local custom emoji */
    name: text('name').notNull(),
    customEmojiId: snowflake('custom_emoji_id').references(() => customEmojis.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_announcement_reactions_once').on(t.accountId, t.announcementId, t.name), index('index_announcement_reactions_on_announcement_id').on(t.announcementId)],
);

/**
 * Media attached to statuses. Remote media is kept as a reference to the sender's URL
 * (`remote_url`); `file_key` names a copy in the storage backend once one exists.
 */
export const mediaAttachments = pgTable(
  'media_attachments',
  {
    id: id(),
    statusId: snowflake('status_id').references(() => statuses.id, { onDelete: 'cascade' }),
    accountId: snowflake('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    /** image | gifv | video | audio | unknown */
    type: text('type').notNull().default('unknown'),
    remoteUrl: text('remote_url').notNull().default(''),
    /** the stored file (a local upload, or a remote attachment's cached copy under `cache/`): the key of the original and of the `small` preview */
    fileKey: text('file_key'),
    smallFileKey: text('small_file_key'),
    /** bytes of the stored original */
    fileSize: integer('file_size'),
    /** queued | in_progress | complete | failed (Mastodon's processing state: video and audio uploaded through v2 are processed by a job) */
    processing: text('processing').notNull().default('complete'),
    contentType: text('content_type'),
    description: text('description'),
    blurhash: text('blurhash'),
    /** Mastodon's `meta` (`original`/`small` sizes, `focus`) */
    meta: jsonb('meta').$type<Record<string, unknown>>(),
    /** a video's or audio's own preview picture (Mastodon's `thumbnail` attachment): its storage key and type */
    thumbnailFileKey: text('thumbnail_file_key'),
    thumbnailContentType: text('thumbnail_content_type'),
    /** the order within the status */
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_media_attachments_on_status_id').on(t.statusId), index('index_media_attachments_on_account_id').on(t.accountId)],
);

/** Instance-level domain blocks (Mastodon's admin domain blocks), honoured in both directions. */
export const domainBlocks = pgTable(
  'domain_blocks',
  {
    id: id(),
    domain: text('domain').notNull(),
    /** noop | silence | suspend */
    severity: text('severity').notNull().default('silence'),
    rejectMedia: boolean('reject_media').notNull().default(false),
    rejectReports: boolean('reject_reports').notNull().default(false),
    privateComment: text('private_comment'),
    publicComment: text('public_comment'),
    obfuscate: boolean('obfuscate').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_domain_blocks_on_domain').on(t.domain)],
);

/** Domains allowed to federate when `LIMITED_FEDERATION_MODE` is on. */
export const domainAllows = pgTable(
  'domain_allows',
  {
    id: id(),
    domain: text('domain').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_domain_allows_on_domain').on(t.domain)],
);

/** Domains whose inboxes failed for days: no deliveries until one of their servers talks to us again. */
export const unavailableDomains = pgTable(
  'unavailable_domains',
  {
    id: id(),
    domain: text('domain').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_unavailable_domains_on_domain').on(t.domain)],
);

/** Reports: made by members (`POST /api/v1/reports`) or received from other servers (`Flag`). */
export const reports = pgTable(
  'reports',
  {
    id: id(),
    /** the reporter: a local member, or the remote instance actor's account for a Flag */
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    targetAccountId: snowflake('target_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    statusIds: snowflake('status_ids').array().notNull().default(sql`'{}'`),
    comment: text('comment').notNull().default(''),
    /** spam | legal | violation | other */
    category: text('category').notNull().default('other'),
    ruleIds: snowflake('rule_ids').array(),
    forwarded: boolean('forwarded').notNull().default(false),
    /** the Flag's id, for reports received from other servers */
    uri: text('uri'),
    actionTakenAt: timestamp('action_taken_at', { withTimezone: true }),
    actionTakenByAccountId: snowflake('action_taken_by_account_id'),
    assignedAccountId: snowflake('assigned_account_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_reports_on_account_id').on(t.accountId), index('index_reports_on_target_account_id').on(t.targetAccountId)],
);

/** Moderators' notes on a report (Mastodon's ReportNote), shown to staff on its page. */
export const reportNotes = pgTable(
  'report_notes',
  {
    id: id(),
    content: text('content').notNull(),
    reportId: snowflake('report_id')
      .notNull()
      .references(() => reports.id, { onDelete: 'cascade' }),
    /** the note's author */
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_report_notes_on_report_id').on(t.reportId), index('index_report_notes_on_account_id').on(t.accountId)],
);

/** Moderators' notes on an account (Mastodon's AccountModerationNote), shown to staff on its page. */
export const accountModerationNotes = pgTable(
  'account_moderation_notes',
  {
    id: id(),
    content: text('content').notNull(),
    /** the note's author */
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    targetAccountId: snowflake('target_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_account_moderation_notes_on_account_id').on(t.accountId), index('index_account_moderation_notes_on_target_account_id').on(t.targetAccountId)],
);

/** Every staff action (Mastodon's Admin::ActionLog): who, what, on which record, and a summary to read. */
export const adminActionLogs = pgTable(
  'admin_action_logs',
  {
    id: id(),
    accountId: snowflake('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: snowflake('target_id'),
    summary: text('summary').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [index('index_admin_action_logs_on_target').on(t.targetType, t.targetId)],
);

/** Strikes (Mastodon's AccountWarning): an action staff took on an account, with the text its owner reads. */
export const accountWarnings = pgTable(
  'account_warnings',
  {
    id: id(),
    /** the staff member who acted */
    accountId: snowflake('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    targetAccountId: snowflake('target_account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** none | disable | mark_statuses_as_sensitive | delete_statuses | sensitive | silence | suspend */
    action: text('action').notNull().default('none'),
    text: text('text').notNull().default(''),
    reportId: snowflake('report_id').references(() => reports.id, { onDelete: 'set null' }),
    statusIds: snowflake('status_ids').array(),
    overruledAt: timestamp('overruled_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_account_warnings_on_target_account_id').on(t.targetAccountId)],
);

/** A member's appeal of a strike (Mastodon's Appeal). */
export const appeals = pgTable(
  'appeals',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    accountWarningId: snowflake('account_warning_id')
      .notNull()
      .references(() => accountWarnings.id, { onDelete: 'cascade' }),
    text: text('text').notNull().default(''),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    approvedByAccountId: snowflake('approved_by_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    rejectedAt: timestamp('rejected_at', { withTimezone: true }),
    rejectedByAccountId: snowflake('rejected_by_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_appeals_on_account_warning_id').on(t.accountWarningId)],
);

/** A suspended account whose content is deleted 30 days after its suspension (Mastodon's AccountDeletionRequest). */
export const accountDeletionRequests = pgTable(
  'account_deletion_requests',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('index_account_deletion_requests_on_account_id').on(t.accountId)],
);

/** E-mail domains no one may sign up with (or only with approval), with their subdomains and MX hosts. */
export const emailDomainBlocks = pgTable(
  'email_domain_blocks',
  {
    id: id(),
    domain: text('domain').notNull(),
    parentId: snowflake('parent_id'),
    allowWithApproval: boolean('allow_with_approval').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_email_domain_blocks_on_domain').on(t.domain)],
);

/** A sign-up an e-mail domain block stopped (the block's history). */
export const emailDomainBlockAttempts = pgTable(
  'email_domain_block_attempts',
  {
    emailDomainBlockId: snowflake('email_domain_block_id')
      .notNull()
      .references(() => emailDomainBlocks.id, { onDelete: 'cascade' }),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [index('index_email_domain_block_attempts_on_block_id_and_created_at').on(t.emailDomainBlockId, t.createdAt)],
);

/** Addresses no one may sign up with again, kept as the hash of their canonical form. */
export const canonicalEmailBlocks = pgTable(
  'canonical_email_blocks',
  {
    id: id(),
    canonicalEmailHash: text('canonical_email_hash').notNull(),
    referenceAccountId: snowflake('reference_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_canonical_email_blocks_on_canonical_email_hash').on(t.canonicalEmailHash)],
);

/** IP addresses and ranges whose sign-ups need approval, are refused, or that may not reach the instance at all. */
export const ipBlocks = pgTable(
  'ip_blocks',
  {
    id: id(),
    ip: inet('ip').notNull(),
    /** sign_up_requires_approval | sign_up_block | no_access */
    severity: text('severity').notNull(),
    comment: text('comment').notNull().default(''),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_ip_blocks_on_ip').on(t.ip)],
);

/** Invitations to sign up, made by members who may invite (max uses, expiry). */
export const invites = pgTable(
  'invites',
  {
    id: id(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    maxUses: integer('max_uses'),
    uses: integer('uses').notNull().default(0),
    autofollow: boolean('autofollow').notNull().default(false),
    comment: text('comment'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_invites_on_code').on(t.code), index('index_invites_on_user_id').on(t.userId)],
);

/** Admin-defined endpoints told of events (account.created, report.created, …), signed with their secret. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: id(),
    url: text('url').notNull(),
    events: text('events').array().notNull().default(sql`'{}'`),
    secret: text('secret').notNull().default(''),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_webhooks_on_url').on(t.url)],
);

/** A local account's moves to another account (Mastodon keeps them for the 30-day cooldown). */
export const accountMigrations = pgTable(
  'account_migrations',
  {
    id: id(),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    acct: text('acct').notNull(),
    followersCount: integer('followers_count').notNull().default(0),
    targetAccountId: snowflake('target_account_id').references(() => accounts.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_account_migrations_on_account_id').on(t.accountId)],
);

/** A CSV import a member uploaded (Mastodon's BulkImport): confirmed, then worked through row by row in the `pull` queue. */
export const bulkImports = pgTable(
  'bulk_imports',
  {
    id: id(),
    /** following | blocking | muting | domain_blocking | bookmarks | lists */
    type: text('type').notNull(),
    /** unconfirmed | scheduled | in_progress | finished */
    state: text('state').notNull().default('unconfirmed'),
    totalItems: integer('total_items').notNull().default(0),
    importedItems: integer('imported_items').notNull().default(0),
    processedItems: integer('processed_items').notNull().default(0),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** overwrite mode: what the file does not hold is undone (unfollowed, unblocked…) */
    overwrite: boolean('overwrite').notNull().default(false),
    /** the file looks like another type's export (its headers or its name) */
    likelyMismatched: boolean('likely_mismatched').notNull().default(false),
    originalFilename: text('original_filename').notNull().default(''),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_bulk_imports_on_account_id').on(t.accountId), index('index_bulk_imports_unconfirmed').on(t.id).where(sql`${t.state} = 'unconfirmed'`)],
);

/** One row of an import not yet done (Mastodon's BulkImportRow): removed once imported, so what is left after the import are its failures. */
export const bulkImportRows = pgTable(
  'bulk_import_rows',
  {
    id: id(),
    bulkImportId: snowflake('bulk_import_id')
      .notNull()
      .references(() => bulkImports.id, { onDelete: 'cascade' }),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_bulk_import_rows_on_bulk_import_id').on(t.bulkImportId)],
);

/** A member's account archive (Mastodon's Backup): a zip built by BackupWorker, kept in the media storage. */
export const backups = pgTable(
  'backups',
  {
    id: id(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** where the zip is in the storage, once built */
    dumpFileKey: text('dump_file_key'),
    dumpFileName: text('dump_file_name'),
    dumpFileSize: bigint('dump_file_size', { mode: 'number' }),
    processed: boolean('processed').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('index_backups_on_user_id').on(t.userId)],
);

/**
 * Jobs that could not be enqueued because the job queue was unreachable (src/jobs/deferred-jobs.ts):
 * kept here, where the action that made them is stored, until the scheduler enqueues them again.
 */
export const deferredJobs = pgTable('deferred_jobs', {
  id: bigserial('id', { mode: 'bigint' }).primaryKey(),
  queue: text('queue').notNull(),
  name: text('name').notNull(),
  data: jsonb('data').notNull(),
  /** the enqueue options but the delay: attempts, uniqueKey */
  options: jsonb('options').notNull().default({}),
  /** when the job was due to run (now, or after its delay) */
  runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
  /** a sweep holding the row until then, while it enqueues it */
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  createdAt: createdAt(),
});

// ---------------------------------------------------------------------------------------------
// Trends (Mastodon's Trends::Tags, Trends::Statuses, Trends::Links), refreshed by Scheduler::Trends::RefreshScheduler.

/** A trending hashtag's current score and rank; `allowed` when staff (or `trendable_by_default`) let it show. */
export const tagTrends = pgTable(
  'tag_trends',
  {
    id: id(),
    tagId: snowflake('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
    score: doublePrecision('score').notNull().default(0),
    rank: integer('rank').notNull().default(0),
    allowed: boolean('allowed').notNull().default(false),
  },
  (t) => [uniqueIndex('index_tag_trends_on_tag_id').on(t.tagId)],
);

export const statusTrends = pgTable(
  'status_trends',
  {
    id: id(),
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    score: doublePrecision('score').notNull().default(0),
    rank: integer('rank').notNull().default(0),
    allowed: boolean('allowed').notNull().default(false),
    language: text('language'),
  },
  (t) => [uniqueIndex('index_status_trends_on_status_id').on(t.statusId), index('index_status_trends_on_account_id').on(t.accountId)],
);

/**
 * A link's preview (Mastodon's PreviewCard): what FetchLinkCardService read from the page (OpenGraph,
 * Twitter and HTML meta tags, JSON-LD) or its oEmbed, one per URL (the page's canonical URL or the end
 * of its redirects), shared by every status linking there; its image stored under `image_file_key`.
 * Also what link trends count (Trends::Links): the columns from `trendable` on are theirs.
 */
export const previewCards = pgTable(
  'preview_cards',
  {
    id: id(),
    url: text('url').notNull().default(''),
    title: text('title').notNull().default(''),
    description: text('description').notNull().default(''),
    /** link | photo | video | rich */
    type: text('type').notNull().default('link'),
    /** unknown | article (an article may trend) */
    linkType: text('link_type'),
    /** an embed (a video player's iframe), sanitized when stored and again when shown */
    html: text('html').notNull().default(''),
    authorName: text('author_name').notNull().default(''),
    authorUrl: text('author_url').notNull().default(''),
    providerName: text('provider_name').notNull().default(''),
    providerUrl: text('provider_url').notNull().default(''),
    width: integer('width').notNull().default(0),
    height: integer('height').notNull().default(0),
    embedUrl: text('embed_url').notNull().default(''),
    imageFileKey: text('image_file_key'),
    imageContentType: text('image_content_type'),
    imageFileSize: integer('image_file_size'),
    blurhash: text('blurhash'),
    imageDescription: text('image_description').notNull().default(''),
    language: text('language'),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    /** whether it may trend: null until staff review it (then `trendable_by_default` decides) */
    trendable: boolean('trendable'),
    maxScore: doublePrecision('max_score'),
    maxScoreAt: timestamp('max_score_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_preview_cards_on_url').on(t.url)],
);

/** The card a status shows, with the link of the status it was fetched for (`url`, what the card entity shows). */
export const previewCardsStatuses = pgTable(
  'preview_cards_statuses',
  {
    previewCardId: snowflake('preview_card_id')
      .notNull()
      .references(() => previewCards.id, { onDelete: 'cascade' }),
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    url: text('url'),
  },
  (t) => [primaryKey({ columns: [t.statusId, t.previewCardId] }), index('index_preview_cards_statuses_on_preview_card_id').on(t.previewCardId)],
);

/** Who shared a card, and when (a status or a boost of it): a link's history counts these (Mastodon keeps them in Redis). */
export const previewCardShares = pgTable(
  'preview_card_shares',
  {
    previewCardId: snowflake('preview_card_id')
      .notNull()
      .references(() => previewCards.id, { onDelete: 'cascade' }),
    statusId: snowflake('status_id')
      .notNull()
      .references(() => statuses.id, { onDelete: 'cascade' }),
    accountId: snowflake('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.previewCardId, t.statusId] }),
    index('index_preview_card_shares_on_status_id').on(t.statusId),
    index('index_preview_card_shares_on_preview_card_id_and_created_at').on(t.previewCardId, t.createdAt),
  ],
);

/** A trending card's current score and rank (PreviewCardTrend). */
export const previewCardTrends = pgTable(
  'preview_card_trends',
  {
    id: id(),
    previewCardId: snowflake('preview_card_id')
      .notNull()
      .references(() => previewCards.id, { onDelete: 'cascade' }),
    score: doublePrecision('score').notNull().default(0),
    rank: integer('rank').notNull().default(0),
    allowed: boolean('allowed').notNull().default(false),
    language: text('language'),
  },
  (t) => [uniqueIndex('index_preview_card_trends_on_preview_card_id').on(t.previewCardId)],
);

/** A site links come from, reviewed by staff as a whole (PreviewCardProvider): its links may trend unless rejected. */
export const previewCardProviders = pgTable(
  'preview_card_providers',
  {
    id: id(),
    domain: text('domain').notNull(),
    /** whether its links may trend: null until staff review it */
    trendable: boolean('trendable'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    requestedReviewAt: timestamp('requested_review_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('index_preview_card_providers_on_domain').on(t.domain)],
);

/** The UTC days a local user was active (Mastodon's `activity:logins` tracker), for the active_users measure. */
export const userActivityDays = pgTable(
  'user_activity_days',
  {
    day: date('day', { mode: 'string' }).notNull(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId] }), index('index_user_activity_days_on_user_id').on(t.userId)],
);

/** A text staff pick from when warning a member (AccountWarningPreset). */
export const accountWarningPresets = pgTable('account_warning_presets', {
  id: id(),
  title: text('title').notNull().default(''),
  text: text('text').notNull().default(''),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

// Row types, declared once beside their tables (what a `select()` of the whole table returns)
export type AccountRow = typeof accounts.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApplicationRow = typeof oauthApplications.$inferSelect;
export type AccessTokenRow = typeof oauthAccessTokens.$inferSelect;
export type StatusRow = typeof statuses.$inferSelect;
export type StatusEditRow = typeof statusEdits.$inferSelect;
export type ScheduledStatusRow = typeof scheduledStatuses.$inferSelect;
export type PollRow = typeof polls.$inferSelect;
export type MediaAttachmentRow = typeof mediaAttachments.$inferSelect;
export type PreviewCardRow = typeof previewCards.$inferSelect;
export type TagRow = typeof tags.$inferSelect;
export type FeaturedTagRow = typeof featuredTags.$inferSelect;
export type CustomEmojiRow = typeof customEmojis.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationRequestRow = typeof notificationRequests.$inferSelect;
export type ListRow = typeof lists.$inferSelect;
export type CustomFilterRow = typeof customFilters.$inferSelect;
export type FilterKeywordRow = typeof customFilterKeywords.$inferSelect;
export type FilterStatusRow = typeof customFilterStatuses.$inferSelect;
export type AccountConversationRow = typeof accountConversations.$inferSelect;
export type MarkerRow = typeof markers.$inferSelect;
export type WebPushSubscriptionRow = typeof webPushSubscriptions.$inferSelect;
export type AnnouncementRow = typeof announcements.$inferSelect;
export type ReportRow = typeof reports.$inferSelect;
export type DomainBlockRow = typeof domainBlocks.$inferSelect;
export type DomainAllowRow = typeof domainAllows.$inferSelect;
export type AdminActionLogRow = typeof adminActionLogs.$inferSelect;
export type AccountWarningRow = typeof accountWarnings.$inferSelect;
export type AppealRow = typeof appeals.$inferSelect;
export type EmailDomainBlockRow = typeof emailDomainBlocks.$inferSelect;
export type CanonicalEmailBlockRow = typeof canonicalEmailBlocks.$inferSelect;
export type IpBlockRow = typeof ipBlocks.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type WebhookRow = typeof webhooks.$inferSelect;
export type BulkImportRecord = typeof bulkImports.$inferSelect;
export type BulkImportRowRecord = typeof bulkImportRows.$inferSelect;
export type BackupRow = typeof backups.$inferSelect;

/**
 * How far `subspace import mastodon` got (src/services/migration/mastodon): per step, the last
 * source id carried over, how many rows were, and what was not carried over and why (kind → count).
 */
export const mastodonImportProgress = pgTable('mastodon_import_progress', {
  step: text('step').primaryKey(),
  lastId: text('last_id'),
  imported: integer('imported').notNull().default(0),
  skipped: jsonb('skipped').$type<Record<string, number>>().notNull().default({}),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  updatedAt: updatedAt(),
});
