import { createDecipheriv, pbkdf2Sync } from 'node:crypto';
import { inflateSync } from 'node:zlib';

/**
 * The keys Mastodon encrypted its members' TOTP secrets with, from the variables of its
 * `.env.production` (the import reads the same names from its own environment).
 */
export interface MastodonSecrets {
  /** ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY (Mastodon 4.3 and later: `users.otp_secret`) */
  primaryKey?: string;
  /** ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT */
  keyDerivationSalt?: string;
  /** OTP_SECRET (before 4.3: `users.encrypted_otp_secret`, `_iv`, `_salt`) */
  otpSecret?: string;
}

export function mastodonSecretsFrom(env: Record<string, string | undefined>): MastodonSecrets {
  const value = (name: string) => (env[name] ? env[name] : undefined);
  return { primaryKey: value('ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY'), keyDerivationSalt: value('ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT'), otpSecret: value('OTP_SECRET') };
}

export interface EncryptedOtpSecret {
  otp_secret?: string | null;
  encrypted_otp_secret?: string | null;
  encrypted_otp_secret_iv?: string | null;
  encrypted_otp_secret_salt?: string | null;
}

export type OtpSecretResult = { secret: string } | { skipped: string };

/** ActiveSupport::KeyGenerator's iterations (2**16), which Active Record encryption does not change. */
const KEY_GENERATOR_ITERATIONS = 65_536;
/** the Encryptor gem's default, which attr_encrypted (devise-two-factor before 5) used */
const LEGACY_ITERATIONS = 2000;
const KEY_BYTES = 32;
const TAG_BYTES = 16;

const NO_KEYS =
  'two-factor authentication (TOTP) whose secret needs the keys of Mastodon (ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY and ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT, or OTP_SECRET before Mastodon 4.3): these members sign in with their password alone until they set it up again';
const UNREADABLE = 'two-factor authentication (TOTP) whose secret could not be decrypted with the keys given: these members sign in with their password alone until they set it up again';

/** Ruby's Base64.decode64: whatever is not of the alphabet is left out (attr_encrypted prefixes its salts with `_`). */
const rubyBase64 = (text: string) => Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');

function aesGcmDecrypt(key: Buffer, iv: Buffer, data: Buffer, tag: Buffer): Buffer {
  // a tag of any other length is refused, as Rails refuses it (a truncated tag is easier to forge)
  if (tag.length !== TAG_BYTES) throw new Error('bad tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

/** A TOTP secret as Subspace keeps it: base32, upper case (ROTP reads either case). */
function base32Secret(plain: string): string | null {
  const secret = plain.trim().toUpperCase();
  return /^[A-Z2-7]{16,}=*$/.test(secret) ? secret : null;
}

/**
 * Reads the TOTP secrets of Mastodon's users: `otp_secret` as Active Record encryption writes it
 * (a JSON message `{"p":…,"h":{"iv":…,"at":…}}`, base64 values, AES-256-GCM with a key derived by
 * PBKDF2 from the primary key and the derivation salt; Rails 7.1 derives with SHA-256 where 7.0 did
 * with SHA-1, and both are tried, as Rails' `support_sha1_for_non_deterministic_encryption` does),
 * else the legacy attr_encrypted columns (AES-256-GCM, the tag after the ciphertext, the key derived
 * by PBKDF2-SHA1 from OTP_SECRET and the row's salt), which Mastodon 4.3 still reads.
 */
export function otpSecretReader(secrets: MastodonSecrets) {
  let derived: Buffer[] | undefined;
  const activeRecordKeys = () => {
    derived ??= (['sha256', 'sha1'] as const).map((digest) => pbkdf2Sync(secrets.primaryKey!, secrets.keyDerivationSalt!, KEY_GENERATOR_ITERATIONS, KEY_BYTES, digest));
    return derived;
  };

  function activeRecord(text: string): string | null {
    let message: { p?: unknown; h?: Record<string, unknown> };
    try {
      message = JSON.parse(text);
    } catch {
      return null;
    }
    const headers = message?.h;
    if (typeof message?.p !== 'string' || !headers || typeof headers.iv !== 'string' || typeof headers.at !== 'string') return null;
    // an envelope-encrypted message (its own data key) is not what Mastodon writes
    if ('k' in headers || 'i' in headers) return null;
    const payload = Buffer.from(message.p, 'base64');
    const iv = Buffer.from(headers.iv, 'base64');
    const tag = Buffer.from(headers.at, 'base64');
    for (const key of activeRecordKeys()) {
      try {
        const plain = aesGcmDecrypt(key, iv, payload, tag);
        return (headers.c === true ? inflateSync(plain) : plain).toString('utf8');
      } catch {
        // the next key
      }
    }
    return null;
  }

  function legacy(row: EncryptedOtpSecret): string | null {
    try {
      const salt = rubyBase64(row.encrypted_otp_secret_salt!);
      const raw = rubyBase64(row.encrypted_otp_secret!);
      const key = pbkdf2Sync(secrets.otpSecret!, salt, LEGACY_ITERATIONS, KEY_BYTES, 'sha1');
      return aesGcmDecrypt(key, rubyBase64(row.encrypted_otp_secret_iv!), raw.subarray(0, -TAG_BYTES), raw.subarray(-TAG_BYTES)).toString('utf8');
    } catch {
      return null;
    }
  }

  return function read(row: EncryptedOtpSecret): OtpSecretResult {
    let plain: string | null;
    if (row.otp_secret) {
      if (!secrets.primaryKey || !secrets.keyDerivationSalt) return { skipped: NO_KEYS };
      plain = activeRecord(row.otp_secret);
    } else if (row.encrypted_otp_secret && row.encrypted_otp_secret_iv && row.encrypted_otp_secret_salt) {
      if (!secrets.otpSecret) return { skipped: NO_KEYS };
      plain = legacy(row);
    } else {
      return { skipped: 'two-factor authentication (TOTP) turned on without a secret: these members sign in with their password alone until they set it up again' };
    }
    const secret = plain === null ? null : base32Secret(plain);
    return secret ? { secret } : { skipped: UNREADABLE };
  };
}
