import { createECDH } from 'node:crypto';
import { ConfigError } from './errors.ts';
import { storedSecret } from './generated-secrets.ts';
import { str, type Env } from './values.ts';

/** The instance's VAPID key pair (RFC 8292), P-256, both halves URL-safe base64 without padding. */
export interface VapidKeys {
  /** the 32-byte private scalar */
  privateKey: string;
  /** the 65-byte uncompressed public point, what clients get as `server_key` */
  publicKey: string;
}

/** A new key pair, as `subspace webpush generate-vapid-key` prints it (Mastodon's `rake mastodon:webpush:generate_vapid_key`). */
export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // the scalar comes without its leading zero bytes, which the key format keeps
  const scalar = ecdh.getPrivateKey();
  const privateKey = Buffer.concat([Buffer.alloc(32 - scalar.length), scalar]);
  return { privateKey: privateKey.toString('base64url'), publicKey: ecdh.getPublicKey().toString('base64url') };
}

/** Mastodon's gem writes padded URL-safe base64; both spellings are the same bytes. */
const unpadded = (value: string) => value.replace(/=+$/, '');

/** Whether the private key is a P-256 scalar whose public point is `publicKey`. */
function matchingPair(keys: VapidKeys): boolean {
  try {
    const privateKey = Buffer.from(keys.privateKey, 'base64url');
    if (privateKey.length !== 32) return false;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.getPublicKey().toString('base64url') === keys.publicKey;
  } catch {
    return false;
  }
}

const isVapidKeys = (value: unknown): value is VapidKeys =>
  !!value && typeof value === 'object' && typeof (value as VapidKeys).privateKey === 'string' && typeof (value as VapidKeys).publicKey === 'string' && matchingPair(value as VapidKeys);

/**
 * `VAPID_PRIVATE_KEY` and `VAPID_PUBLIC_KEY`, as Mastodon names them. Unset, an embedded instance
 * makes a pair once and keeps it in the data dir; a server-mode instance has no Web Push (every
 * process must sign with the same key, so it has to come from the environment).
 */
export function vapidFromEnv(env: Env, dataDir: string, embedded: boolean): VapidKeys | undefined {
  const privateKey = str(env, 'VAPID_PRIVATE_KEY');
  const publicKey = str(env, 'VAPID_PUBLIC_KEY');
  if (privateKey || publicKey) {
    if (!privateKey) throw new ConfigError('VAPID_PRIVATE_KEY', 'is required when VAPID_PUBLIC_KEY is set (generate both with `subspace webpush generate-vapid-key`)');
    if (!publicKey) throw new ConfigError('VAPID_PUBLIC_KEY', 'is required when VAPID_PRIVATE_KEY is set (generate both with `subspace webpush generate-vapid-key`)');
    const keys = { privateKey: unpadded(privateKey), publicKey: unpadded(publicKey) };
    if (!matchingPair(keys)) throw new ConfigError('VAPID_PRIVATE_KEY', 'and VAPID_PUBLIC_KEY must be a P-256 key pair in URL-safe base64 (generate one with `subspace webpush generate-vapid-key`)');
    return keys;
  }
  return embedded ? storedSecret(dataDir, 'vapid', generateVapidKeys, isVapidKeys) : undefined;
}
