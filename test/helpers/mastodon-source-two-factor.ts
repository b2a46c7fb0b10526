import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { deviseHash, mastodonId, type MastodonSource } from './mastodon-source.ts';

/**
 * Mastodon's keys for the fixture's TOTP secrets, as its .env.production holds them. The
 * Active Record ones are made up; OTP_SECRET is the one of Mastodon's own .env.test, which its
 * spec/models/user_spec.rb decrypts the legacy values below with.
 */
export const MASTODON_KEYS = {
  ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: 'oGnB1uVhcD5bDqr6x1cKMLs5hvLmJXU9',
  ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: 'Qw3rTy7uIo9pAs2dFg4hJk6lZx8cVb1n',
  ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: 'Tz7Jk2mWq9XvR4pL8sNf3bHcY6dE1gAu',
  OTP_SECRET: '100c7faeef00caa29242f6b04156742bf76065771fd4117990c4282b8748ff3d99f8fdae97c982ab5bd2e6756a159121377cce4421f4a8ecd2d67bd7749a3fb4',
};

/**
 * `users.otp_secret` as Rails' Active Record encryption writes it with the keys above. These were
 * made outside Rails and outside this code base, with Python's `cryptography` (PBKDF2-HMAC over the
 * primary key, salted with the derivation salt, 2**16 iterations, 32 bytes; AES-256-GCM, random
 * 12-byte IV, empty AAD; JSON.dump of {p, h: {iv, at}} with strict base64), following Rails' source
 * (ActiveRecord::Encryption::Encryptor, Cipher::Aes256Gcm, MessageSerializer, KeyGenerator and
 * ActiveSupport::KeyGenerator): no compression under 140 bytes, no `e` header for UTF-8 text.
 */
const ACTIVE_RECORD_SHA256 = '{"p":"HnM3KjFZBYVhcm93gknkfZap+HO8AOblqP/X9o23cM8=","h":{"iv":"svLda+rilHj5rdPa","at":"Jthq7HfbdAFBtjgMmVv0cg=="}}';
/** the same with the key derived with SHA-1 (Rails 7.0's digest, which Rails 7.1 still reads) */
const ACTIVE_RECORD_SHA1 = '{"p":"ltkOyUTYboovAlGZVoo0AqwZy2EMnk0HRFmksDweGVg=","h":{"iv":"hHLj0XIY+5AGA3b6","at":"QD1rcxYiVv5GL5Hm8q0+6Q=="}}';
/** Mastodon's spec/models/user_spec.rb: attr_encrypted's columns, decrypted with its .env.test OTP_SECRET to `anotpsecretthatshouldbeencrypted` */
const LEGACY = {
  encrypted_otp_secret: 'Fttsy7QAa0edaDfdfSz094rRLAxc8cJweDQ4BsWH/zozcdVA8o9GLqcKhn2b\nGi/V\n',
  encrypted_otp_secret_iv: 'rys3THICkr60BoWC',
  encrypted_otp_secret_salt: '_LMkAGvdg7a+sDIKjI3mR2Q==',
};

export interface TwoFactorMember {
  id: string;
  userId: string;
  email: string;
  password: string;
  /** the base32 secret the member's authenticator app holds */
  otpSecret: string;
  /** recovery codes in clear (Mastodon keeps their bcrypt hashes) */
  recoveryCodes: string[];
}

export interface SecurityKey {
  /** base64url credential id */
  id: string;
  privateKey: KeyObject;
  nickname: string;
  signCount: number;
  /** users.webauthn_id, the user handle (base64url) */
  userHandle: string;
}

export interface TwoFactorFixture {
  /** Mastodon 4.3+: Active Record encryption, key derived with SHA-256 */
  hatter: TwoFactorMember;
  /** the same, key derived with SHA-1 */
  hare: TwoFactorMember;
  /** before 4.3: attr_encrypted with OTP_SECRET */
  dormouse: TwoFactorMember;
  hatterKey: SecurityKey;
  /** hatter's status scheduled on Mastodon, the upload it reserves, and a token of hatter's to read them */
  scheduled: { id: string; media: string; token: string };
}

/** A P-256 public key as a COSE_Key (EC2, ES256), CBOR-encoded, as an authenticator gives it at registration. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  // {1: 2 (kty EC2), 3: -7 (alg ES256), -1: 1 (crv P-256), -2: x, -3: y}
  return Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]);
}

/** Adds members with two-factor sign-in (and a security key) to a Mastodon source made by startMastodonSource. */
export async function addTwoFactorMembers(source: MastodonSource): Promise<TwoFactorFixture> {
  const ts = { created_at: new Date('2023-03-01T10:00:00Z'), updated_at: new Date('2024-05-01T10:00:00Z') };
  const put = (table: string, row: Record<string, unknown>) => {
    const columns = Object.keys(row);
    return source.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  };

  const member = async (username: string, sequence: number, otpSecret: string, otp: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<TwoFactorMember> => {
    const id = mastodonId(ts.created_at, sequence);
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
    await put('accounts', {
      id,
      username,
      domain: null,
      private_key: privateKey,
      public_key: publicKey,
      uri: '',
      id_scheme: 0,
      display_name: username,
      note: '',
      fields: '[]',
      discoverable: true,
      indexable: true,
      ...ts,
    });
    // devise-two-factor's recovery codes: 16 hex characters, kept as Devise's bcrypt hashes
    const recoveryCodes = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
    const userId = String(sequence);
    const password = `${username}-old-password`;
    const email = `${username}@mail.example`;
    await put('users', {
      id: userId,
      account_id: id,
      email,
      encrypted_password: deviseHash(password),
      confirmed_at: ts.created_at,
      locale: 'en',
      otp_required_for_login: true,
      otp_backup_codes: recoveryCodes.map(deviseHash),
      // a time step long past: codes of today are later ones
      consumed_timestep: 56_000_000,
      ...otp,
      ...ts,
      ...extra,
    });
    return { id, userId, email, password, otpSecret, recoveryCodes };
  };

  const userHandle = randomBytes(64).toString('base64url');
  const hatter = await member('hatter', 31, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', { otp_secret: ACTIVE_RECORD_SHA256 }, { webauthn_id: userHandle });
  const hare = await member('hare', 32, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', { otp_secret: ACTIVE_RECORD_SHA1 });
  const dormouse = await member('dormouse', 33, 'ANOTPSECRETTHATSHOULDBEENCRYPTED', { otp_secret: null, ...LEGACY });

  // webauthn-ruby keeps the credential id and the COSE public key in base64url, unpadded
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const hatterKey: SecurityKey = { id: randomBytes(32).toString('base64url'), privateKey: pair.privateKey, nickname: 'Hat band key', signCount: 7, userHandle };
  await put('webauthn_credentials', {
    external_id: hatterKey.id,
    public_key: coseKey(pair.publicKey).toString('base64url'),
    nickname: hatterKey.nickname,
    sign_count: hatterKey.signCount,
    user_id: hatter.userId,
    ...ts,
  });
  // a scheduled status (PostStatusService's options as params) and the upload it reserves
  const scheduled = { id: '41', media: mastodonId(new Date('2024-04-30T12:00:00Z'), 9), token: randomBytes(32).toString('base64url').slice(0, 43) };
  await put('scheduled_statuses', {
    id: scheduled.id,
    account_id: hatter.id,
    scheduled_at: new Date('2099-01-01T16:00:00Z'),
    params: JSON.stringify({
      text: 'Tea at four, always',
      poll: null,
      language: 'en',
      media_ids: [scheduled.media],
      sensitive: null,
      visibility: 'unlisted',
      idempotency: null,
      scheduled_at: null,
      spoiler_text: '',
      application_id: 7,
      in_reply_to_id: null,
      with_rate_limit: false,
    }),
  });
  await put('media_attachments', {
    id: scheduled.media,
    account_id: hatter.id,
    scheduled_status_id: scheduled.id,
    type: 0,
    file_file_name: 'teapot.png',
    file_content_type: 'image/png',
    file_file_size: 1024,
    description: 'A teapot at four',
    shortcode: null,
    ...ts,
  });
  await put('oauth_access_tokens', { token: scheduled.token, scopes: 'read', application_id: 7, resource_owner_id: hatter.userId, created_at: ts.created_at });
  return { hatter, hare, dormouse, hatterKey, scheduled };
}
