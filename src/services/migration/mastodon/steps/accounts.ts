import { inArray } from 'drizzle-orm';
import { accounts, instanceActorKeys, oauthAccessTokens, oauthApplications, users, webPushSubscriptions, type ProfileField, type UserSettings } from '../../../../db/schema.ts';
import { accountIdentifier } from '../../../../lib/actor-naming.ts';
import { digest } from '../../../../lib/crypto.ts';
import { seal } from '../../../../lib/sealed-text.ts';
import { isRole } from '../../../../lib/user-roles.ts';
import { SEALED_TOKEN_PURPOSE } from '../../../notifications/web-push-subscriptions.ts';
import { INSTANCE_ACTOR_ID, NUMERIC_AP_ID, SUSPENSION_ORIGIN } from '../mastodon-enums.ts';
import { carryFile, paperclipPath } from '../paperclip.ts';
import { orNull, type ImportStep, type StepContext } from '../step.ts';

interface AccountSource {
  id: string;
  username: string;
  domain: string | null;
  private_key: string | null;
  public_key: string;
  created_at: Date;
  updated_at: Date;
  note: string;
  display_name: string;
  uri: string;
  url: string | null;
  avatar_file_name: string | null;
  avatar_content_type: string | null;
  header_file_name: string | null;
  header_content_type: string | null;
  avatar_remote_url: string | null;
  header_remote_url: string;
  locked: boolean;
  last_webfingered_at: Date | null;
  inbox_url: string;
  outbox_url: string;
  shared_inbox_url: string;
  followers_url: string;
  following_url: string | null;
  memorial: boolean;
  moved_to_account_id: string | null;
  featured_collection_url: string | null;
  fields: { name: string; value: string; verified_at?: string | null }[] | null;
  actor_type: string | null;
  discoverable: boolean | null;
  also_known_as: string[] | null;
  silenced_at: Date | null;
  suspended_at: Date | null;
  hide_collections: boolean | null;
  sensitized_at: Date | null;
  suspension_origin: number | null;
  trendable: boolean | null;
  reviewed_at: Date | null;
  requested_review_at: Date | null;
  indexable: boolean;
  id_scheme: number | null;
  statuses_count: string | null;
  following_count: string | null;
  followers_count: string | null;
  last_status_at: Date | null;
}

async function accountFile(ctx: StepContext, row: AccountSource, kind: 'avatars' | 'headers', fileName: string | null, contentType: string | null, skip: (reason: string) => void) {
  if (!fileName) return null;
  const key = paperclipPath({ attachment: `accounts/${kind}`, id: row.id, style: 'original', fileName, remote: row.domain !== null });
  // a remote account's picture is fetched again from its server when not carried
  if (row.domain !== null && ctx.media.kind === 'none') return null;
  const result = await carryFile(ctx.media, key, contentType);
  if ('skipped' in result) {
    skip(`${result.skipped}: account ${kind}`);
    return null;
  }
  return result.key;
}

export const accountsStep: ImportStep<AccountSource> = {
  name: 'accounts',
  table: 'accounts',
  select: `SELECT a.*, a.id::text AS id, a.moved_to_account_id::text AS moved_to_account_id, s.statuses_count, s.following_count, s.followers_count, s.last_status_at
    FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id
    WHERE a.id > $1::bigint ORDER BY a.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const values: (typeof accounts.$inferInsert)[] = [];
    for (const row of rows) {
      if (row.id === INSTANCE_ACTOR_ID) {
        // the instance actor keeps its key: servers that know it go on trusting what it signs
        if (row.private_key) {
          await tx.insert(instanceActorKeys).values({ algorithm: 'rsa', publicKeyPem: row.public_key, privateKeyPem: row.private_key }).onConflictDoNothing();
        }
        continue;
      }
      const local = row.domain === null;
      // Mastodon 4.4's numeric ActivityPub ids are kept: other servers know the account (and its posts) by /ap/users/ID
      const numericApId = local && row.id_scheme === NUMERIC_AP_ID;
      const fields: ProfileField[] = (row.fields ?? []).map((field) => ({ name: field.name, value: field.value, verified_at: field.verified_at ?? null }));
      values.push({
        id: row.id,
        username: row.username,
        domain: row.domain,
        displayName: row.display_name,
        note: row.note,
        fields,
        locked: row.locked,
        bot: row.actor_type === 'Service' || row.actor_type === 'Application',
        discoverable: row.discoverable,
        indexable: row.indexable,
        hideCollections: row.hide_collections,
        uri: local ? `${ctx.base}/${accountIdentifier({ id: row.id, username: row.username, numericApId })}` : row.uri,
        numericApId,
        url: local ? `${ctx.base}/@${row.username}` : row.url,
        avatarRemoteUrl: local ? null : orNull(row.avatar_remote_url),
        headerRemoteUrl: local ? null : orNull(row.header_remote_url),
        avatarFileKey: await accountFile(ctx, row, 'avatars', row.avatar_file_name, row.avatar_content_type, skip),
        avatarContentType: row.avatar_content_type,
        headerFileKey: await accountFile(ctx, row, 'headers', row.header_file_name, row.header_content_type, skip),
        headerContentType: row.header_content_type,
        publicKeyPem: orNull(row.public_key),
        privateKeyPem: row.private_key,
        alsoKnownAs: row.also_known_as,
        statusesCount: Number(row.statuses_count ?? 0),
        followersCount: Number(row.followers_count ?? 0),
        followingCount: Number(row.following_count ?? 0),
        lastStatusAt: row.last_status_at,
        suspendedAt: row.suspended_at,
        silencedAt: row.silenced_at,
        sensitizedAt: row.sensitized_at,
        suspensionOrigin: row.suspended_at && row.suspension_origin !== null ? (SUSPENSION_ORIGIN[row.suspension_origin] ?? null) : null,
        memorial: row.memorial,
        trendable: row.trendable,
        reviewedAt: row.reviewed_at,
        requestedReviewAt: row.requested_review_at,
        movedToAccountId: row.moved_to_account_id,
        protocol: local ? null : 'activitypub',
        actorType: local ? null : row.actor_type,
        inboxUrl: local ? null : orNull(row.inbox_url),
        sharedInboxUrl: local ? null : orNull(row.shared_inbox_url),
        outboxUrl: local ? null : orNull(row.outbox_url),
        followersUrl: local ? null : orNull(row.followers_url),
        followingUrl: local ? null : orNull(row.following_url),
        featuredCollectionUrl: local ? null : orNull(row.featured_collection_url),
        lastWebfingeredAt: row.last_webfingered_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
    }
    if (values.length > 0) await tx.insert(accounts).values(values).onConflictDoNothing();
  },
};

/** Mastodon's user settings (a JSON text since 4.2) that Subspace has, by Mastodon's key. */
const USER_SETTINGS: Record<string, (settings: UserSettings, value: unknown) => void> = {
  default_privacy: (settings, value) => {
    if (value === 'public' || value === 'unlisted' || value === 'private' || value === 'direct') settings.default_privacy = value;
  },
  default_sensitive: (settings, value) => {
    settings.default_sensitive = value === true;
  },
  default_language: (settings, value) => {
    settings.default_language = typeof value === 'string' && value ? value : null;
  },
  'web.expand_content_warnings': (settings, value) => {
    settings.expand_spoilers = value === true;
  },
  'web.display_media': (settings, value) => {
    if (value === 'default' || value === 'show_all' || value === 'hide_all') settings.expand_media = value;
  },
  // kept on the account (accounts.noindex), below
  noindex: () => {},
};

/** Mastodon's `noindex` user setting ("opt out of search engine indexing"), which Subspace keeps on the account. */
function prefersNoindex(text: string | null): boolean {
  try {
    return text !== null && (JSON.parse(text) as Record<string, unknown>).noindex === true;
  } catch {
    return false;
  }
}

function userSettings(text: string | null, skip: (reason: string) => void): UserSettings {
  const settings: UserSettings = {};
  if (!text) return settings;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    skip('user settings that are not JSON (Mastodon before 4.2)');
    return settings;
  }
  for (const [key, value] of Object.entries(parsed)) {
    const apply = USER_SETTINGS[key];
    if (apply) apply(settings, value);
    else skip(`user preference ${key} (Subspace has no such preference)`);
  }
  return settings;
}

interface UserSource {
  id: string;
  account_id: string;
  email: string;
  encrypted_password: string;
  confirmed_at: Date | null;
  locale: string | null;
  otp_required_for_login: boolean;
  otp_secret?: string | null;
  encrypted_otp_secret?: string | null;
  encrypted_otp_secret_iv?: string | null;
  encrypted_otp_secret_salt?: string | null;
  consumed_timestep: number | null;
  otp_backup_codes: string[] | null;
  webauthn_id: string | null;
  disabled: boolean;
  chosen_languages: string[] | null;
  approved: boolean;
  sign_up_ip: string | null;
  role_name: string | null;
  settings: string | null;
  current_sign_in_at: Date | null;
  last_sign_in_at: Date | null;
  invite_request_text: string | null;
  created_at: Date;
  updated_at: Date;
}

export const usersStep: ImportStep<UserSource> = {
  name: 'users',
  table: 'users',
  select: `SELECT u.*, u.id::text AS id, u.account_id::text AS account_id, host(u.sign_up_ip) AS sign_up_ip, r.name AS role_name,
      (SELECT text FROM user_invite_requests q WHERE q.user_id = u.id ORDER BY q.id DESC LIMIT 1) AS invite_request_text
    FROM users u LEFT JOIN user_roles r ON r.id = u.role_id
    WHERE u.id > $1::bigint ORDER BY u.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const values = rows.map((row) => {
      const otp = row.otp_required_for_login ? ctx.readOtpSecret(row) : null;
      if (otp && 'skipped' in otp) skip(otp.skipped);
      const secret = otp && 'secret' in otp ? otp.secret : null;
      if (row.role_name && !isRole(row.role_name)) skip(`custom role ${row.role_name} (members who had it are members here)`);
      return {
        id: row.id,
        accountId: row.account_id,
        email: row.email,
        encryptedPassword: row.encrypted_password,
        role: row.role_name && isRole(row.role_name) ? row.role_name : null,
        confirmedAt: row.confirmed_at,
        approved: row.approved,
        disabled: row.disabled,
        locale: row.locale,
        settings: userSettings(row.settings, skip),
        chosenLanguages: row.chosen_languages,
        signUpIp: row.sign_up_ip,
        inviteRequestText: row.invite_request_text,
        // the app's codes go on working; the recovery codes are bcrypt hashes, as Subspace keeps them
        otpRequiredForLogin: secret !== null,
        otpSecret: secret,
        consumedTimestep: secret ? row.consumed_timestep : null,
        otpBackupCodes: secret ? row.otp_backup_codes : null,
        webauthnId: row.webauthn_id,
        currentSignInAt: row.current_sign_in_at,
        lastSignInAt: row.last_sign_in_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    });
    if (values.length > 0) await tx.insert(users).values(values).onConflictDoNothing();
    const noindex = rows.filter((row) => prefersNoindex(row.settings)).map((row) => row.account_id);
    if (noindex.length > 0) await tx.update(accounts).set({ noindex: true }).where(inArray(accounts.id, noindex));
  },
};

interface ApplicationSource {
  id: string;
  name: string;
  uid: string;
  secret: string;
  redirect_uri: string;
  scopes: string;
  website: string | null;
  superapp: boolean;
  owner_account_id: string | null;
  created_at: Date | null;
}

export const applicationsStep: ImportStep<ApplicationSource> = {
  name: 'oauth applications',
  table: 'oauth_applications',
  select: `SELECT o.*, o.id::text AS id, (SELECT u.account_id::text FROM users u WHERE o.owner_type = 'User' AND u.id = o.owner_id) AS owner_account_id
    FROM oauth_applications o WHERE o.id > $1::bigint ORDER BY o.id LIMIT $2`,
  async write(tx, rows) {
    const values = rows.map((row) => ({
      id: row.id,
      name: row.name,
      uid: row.uid,
      // Subspace keeps the secret as a digest: the client's client_secret goes on working
      secretDigest: digest(row.secret),
      redirectUris: row.redirect_uri.split(/\s+/).filter(Boolean),
      scopes: row.scopes,
      website: orNull(row.website),
      superapp: row.superapp,
      ownerAccountId: row.owner_account_id,
      createdAt: row.created_at ?? new Date(),
    }));
    if (values.length > 0) await tx.insert(oauthApplications).values(values).onConflictDoNothing();
  },
};

interface TokenSource {
  id: string;
  token: string;
  expires_in: number | null;
  revoked_at: Date | null;
  created_at: Date;
  scopes: string | null;
  application_id: string | null;
  resource_owner_id: string | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
}

export const accessTokensStep: ImportStep<TokenSource> = {
  name: 'access tokens',
  table: 'oauth_access_tokens',
  select: `SELECT t.*, t.id::text AS id, t.application_id::text AS application_id, t.resource_owner_id::text AS resource_owner_id, host(t.last_used_ip) AS last_used_ip
    FROM oauth_access_tokens t WHERE t.id > $1::bigint ORDER BY t.id LIMIT $2`,
  async write(tx, rows, _ctx, skip) {
    const now = Date.now();
    const values = [];
    for (const row of rows) {
      if (row.expires_in !== null && row.created_at.getTime() + row.expires_in * 1000 < now) {
        skip('expired access tokens');
        continue;
      }
      // Doorkeeper keeps the bearer string; Subspace its digest, so the same string signs the app in
      values.push({
        id: row.id,
        tokenDigest: digest(row.token),
        applicationId: row.application_id,
        userId: row.resource_owner_id,
        scopes: row.scopes ?? 'read',
        revokedAt: row.revoked_at,
        lastUsedAt: row.last_used_at,
        lastUsedIp: row.last_used_ip,
        createdAt: row.created_at,
      });
    }
    if (values.length > 0) await tx.insert(oauthAccessTokens).values(values).onConflictDoNothing();
  },
};

interface PushSource {
  id: string;
  endpoint: string;
  key_p256dh: string;
  key_auth: string;
  data: { alerts?: Record<string, boolean | string>; policy?: string } | null;
  access_token_id: string;
  user_id: string;
  standard: boolean;
  token: string;
  revoked_at: Date | null;
  token_expired: boolean;
  created_at: Date;
  updated_at: Date;
}

export const webPushStep: ImportStep<PushSource> = {
  name: 'web push subscriptions',
  table: 'web_push_subscriptions',
  select: `SELECT w.*, w.id::text AS id, w.access_token_id::text AS access_token_id, w.user_id::text AS user_id, t.token, t.revoked_at,
      (t.expires_in IS NOT NULL AND t.created_at + t.expires_in * interval '1 second' < now() AT TIME ZONE 'UTC') AS token_expired
    FROM web_push_subscriptions w JOIN oauth_access_tokens t ON t.id = w.access_token_id
    WHERE w.id > $1::bigint ORDER BY w.id LIMIT $2`,
  async write(tx, rows, ctx, skip) {
    const values = [];
    for (const row of rows) {
      if (row.revoked_at || row.token_expired) {
        skip('web push subscriptions of revoked or expired tokens');
        continue;
      }
      // Mastodon kept alerts as "true"/"false" strings in older versions
      const alerts = Object.fromEntries(Object.entries(row.data?.alerts ?? {}).map(([name, value]) => [name, value === true || value === 'true']));
      values.push({
        id: row.id,
        endpoint: row.endpoint,
        keyP256dh: row.key_p256dh,
        keyAuth: row.key_auth,
        standard: row.standard,
        data: { alerts, policy: row.data?.policy ?? 'all' },
        userId: row.user_id,
        accessTokenId: row.access_token_id,
        accessTokenSealed: seal(ctx.config.secretKeyBase, SEALED_TOKEN_PURPOSE, row.token),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
    }
    if (values.length > 0) await tx.insert(webPushSubscriptions).values(values).onConflictDoNothing();
  },
};
