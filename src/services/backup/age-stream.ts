import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { BackupError } from './errors.ts';

/*
 * age (X25519) over streams with typage: the archive is encrypted and decrypted in age's 64 KiB
 * chunks as it flows, never held whole in memory.
 */

/** A new identity (`AGE-SECRET-KEY-1…`) and the recipient (`age1…`) that encrypts to it. */
export async function newIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

const toWeb = (stream: Readable) => Readable.toWeb(stream) as unknown as globalThis.ReadableStream<Uint8Array>;
const fromWeb = (stream: globalThis.ReadableStream<Uint8Array>) => Readable.fromWeb(stream as unknown as WebReadableStream<Uint8Array>);

export async function encryptStream(plain: Readable, recipients: string[]): Promise<Readable> {
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  return fromWeb(await encrypter.encrypt(toWeb(plain)));
}

/** The identities of an identity file (age's format: one `AGE-SECRET-KEY-1…` a line, `#` comments). */
export function parseIdentityFile(text: string): string[] {
  const identities = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (!identities.length || identities.some((line) => !line.startsWith('AGE-SECRET-KEY-1'))) throw new BackupError('the identity file holds no age identity (AGE-SECRET-KEY-1…)');
  return identities;
}

export async function decryptStream(encrypted: Readable, identities: string[]): Promise<Readable> {
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    return fromWeb(await decrypter.decrypt(toWeb(encrypted)));
  } catch (error) {
    throw new BackupError(`cannot open the archive: ${describeAgeError(error)}`);
  }
}

/** age's failures, said for an admin. */
export function describeAgeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/no identity matched/i.test(message)) return 'it is not encrypted to this identity (wrong key)';
  if (/invalid version|invalid header|intro|not an age/i.test(message)) return 'it is not an age-encrypted Subspace archive';
  if (/decrypt|authenticat|truncat|chunk|mac|invalid tag/i.test(message)) return `it is corrupted (${message})`;
  return message;
}
