import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mastodonId, type MastodonSource } from './mastodon-source.ts';

/** Mastodon 4.4's Account#id_scheme for an account known by its numeric ActivityPub id. */
const NUMERIC_AP_ID = 1;

export interface NumericIdAccount {
  id: string;
  username: string;
  /** `BASE/ap/users/ID`, its ActivityPub id on Mastodon */
  uri: string;
  publicKey: string;
  /** a token of the member's, to post with */
  token: string;
  /** a public status of the account's, stored with its `BASE/ap/users/ID/statuses/SID` uri */
  statusId: string;
  statusUri: string;
}

/**
 * Adds to a Mastodon source (test/helpers/mastodon-source.ts) a local account as Mastodon 4.4 makes
 * them (id_scheme numeric_ap_id: known to other servers as /ap/users/ID), with a member, a token
 * and one public status, as Mastodon stores them.
 */
export async function addNumericIdAccount(source: MastodonSource, username: string): Promise<NumericIdAccount> {
  const base = source.fixture.baseUrl;
  const created = new Date('2025-08-01T10:00:00Z');
  const id = mastodonId(created, 41);
  const userId = '41';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  await source.query(
    `INSERT INTO accounts (id, username, domain, private_key, public_key, uri, url, id_scheme, display_name, note, fields, discoverable, indexable, created_at, updated_at)
      VALUES ($1, $2, NULL, $3, $4, '', NULL, $5, 'Nina', 'Numbers only', '[]', true, true, $6, $6)`,
    [id, username, privateKey, publicKey, NUMERIC_AP_ID, created],
  );
  await source.query(`INSERT INTO users (id, account_id, email, encrypted_password, confirmed_at, locale, created_at, updated_at) VALUES ($1, $2, $3, '', $4, 'en', $4, $4)`, [
    userId,
    id,
    `${username}@mail.example`,
    created,
  ]);
  const token = randomBytes(32).toString('base64url').slice(0, 43);
  await source.query(`INSERT INTO oauth_access_tokens (id, token, scopes, application_id, resource_owner_id, created_at) VALUES (141, $1, 'read write follow', $2, $3, $4)`, [
    token,
    source.fixture.app.id,
    userId,
    created,
  ]);
  const postedAt = new Date('2025-08-02T10:00:00Z');
  const statusId = mastodonId(postedAt, 1);
  const statusUri = `${base}/ap/users/${id}/statuses/${statusId}`;
  await source.query(
    `INSERT INTO statuses (id, uri, url, account_id, local, visibility, language, text, created_at, updated_at) VALUES ($1, $2, NULL, $3, true, 0, 'en', 'Counting from one', $4, $4)`,
    [statusId, statusUri, id, postedAt],
  );
  await source.query(`INSERT INTO account_stats (account_id, statuses_count, following_count, followers_count, last_status_at, created_at, updated_at) VALUES ($1, 1, 0, 0, $2, $2, $2)`, [
    id,
    postedAt,
  ]);
  return { id, username, uri: `${base}/ap/users/${id}`, publicKey, token, statusId, statusUri };
}
