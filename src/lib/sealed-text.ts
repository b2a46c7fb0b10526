import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** A key of its own for each purpose, derived from the secret key base (as Rails' key generator derives one per salt). */
function keyFor(secretKeyBase: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKeyBase, purpose, 'subspace sealed text', 32));
}

/** Encrypts `text` (AES-256-GCM) for keeping in the database: only someone holding the secret key base reads it back. */
export function seal(secretKeyBase: string, purpose: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secretKeyBase, purpose), iv);
  const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The text `seal` encrypted; throws when it was sealed under another key or changed. */
export function unseal(secretKeyBase: string, purpose: string, sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(secretKeyBase, purpose), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
