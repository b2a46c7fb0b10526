import { hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** New passwords are hashed with Argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Verifies Argon2 hashes, and the bcrypt hashes a Mastodon database holds (`$2a$…`). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!stored) return false;
  if (/^\$2[aby]\$/.test(stored)) return bcrypt.compare(password, stored);
  if (stored.startsWith('$argon2')) return verify(stored, password).catch(() => false);
  return false;
}
