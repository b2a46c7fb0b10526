import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, instanceActorKeys } from '../db/schema.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

interface PemPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

// Extractable, because Fedify puts the sender's private keys (as JWK) into the queued delivery tasks.
async function toCryptoKeyPair(pair: PemPair, algorithm: typeof RSA | 'Ed25519'): Promise<CryptoKeyPair> {
  const [publicKey, privateKey] = await Promise.all([
    crypto.subtle.importKey('spki', createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' }), algorithm, true, ['verify']),
    crypto.subtle.importKey('pkcs8', createPrivateKey(pair.privateKeyPem).export({ type: 'pkcs8', format: 'der' }), algorithm, true, ['sign']),
  ]);
  return { publicKey, privateKey };
}

export async function generateEd25519(): Promise<PemPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

export async function generateRsa(): Promise<PemPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

interface LocalAccountKeys {
  id: string;
  publicKeyPem: string | null;
  privateKeyPem: string | null;
  ed25519PublicKeyPem: string | null;
  ed25519PrivateKeyPem: string | null;
}

const COLUMNS = {
  rsa: { publicKeyPem: accounts.publicKeyPem, privateKeyPem: accounts.privateKeyPem },
  ed25519: { publicKeyPem: accounts.ed25519PublicKeyPem, privateKeyPem: accounts.ed25519PrivateKeyPem },
};

/**
 * One of the account's pairs, made and stored on first use: accounts created before federation
 * have no Ed25519 pair, and accounts imported or seeded without keys no RSA pair.
 */
async function accountPair(ctx: AppContext, accountId: string, algorithm: 'rsa' | 'ed25519', known: Partial<PemPair>): Promise<PemPair> {
  if (known.publicKeyPem && known.privateKeyPem) return { publicKeyPem: known.publicKeyPem, privateKeyPem: known.privateKeyPem };
  const columns = COLUMNS[algorithm];
  const fresh = algorithm === 'rsa' ? await generateRsa() : await generateEd25519();
  const [stored] = await ctx.db
    .update(accounts)
    .set(algorithm === 'rsa' ? fresh : { ed25519PublicKeyPem: fresh.publicKeyPem, ed25519PrivateKeyPem: fresh.privateKeyPem })
    .where(and(eq(accounts.id, accountId), isNull(columns.publicKeyPem)))
    .returning({ id: accounts.id });
  if (stored) return fresh;
  // another process got there first: use the pair it stored
  const [row] = await ctx.db.select(columns).from(accounts).where(eq(accounts.id, accountId));
  return { publicKeyPem: row!.publicKeyPem!, privateKeyPem: row!.privateKeyPem! };
}

/** A local account's key pairs for Fedify: RSA first (HTTP Signatures, `#main-key`), then Ed25519 (Object Integrity Proofs). */
export async function accountKeyPairs(ctx: AppContext, account: LocalAccountKeys): Promise<CryptoKeyPair[]> {
  const [rsa, ed25519] = await Promise.all([
    accountPair(ctx, account.id, 'rsa', { publicKeyPem: account.publicKeyPem ?? undefined, privateKeyPem: account.privateKeyPem ?? undefined }),
    accountPair(ctx, account.id, 'ed25519', { publicKeyPem: account.ed25519PublicKeyPem ?? undefined, privateKeyPem: account.ed25519PrivateKeyPem ?? undefined }),
  ]);
  return Promise.all([toCryptoKeyPair(rsa, RSA), toCryptoKeyPair(ed25519, 'Ed25519')]);
}

async function instanceActorPair(ctx: AppContext, algorithm: 'rsa' | 'ed25519'): Promise<PemPair> {
  const [existing] = await ctx.db.select().from(instanceActorKeys).where(eq(instanceActorKeys.algorithm, algorithm));
  if (existing) return existing;
  const fresh = algorithm === 'rsa' ? await generateRsa() : await generateEd25519();
  await ctx.db
    .insert(instanceActorKeys)
    .values({ algorithm, ...fresh })
    .onConflictDoNothing();
  const [stored] = await ctx.db.select().from(instanceActorKeys).where(eq(instanceActorKeys.algorithm, algorithm));
  return stored!;
}

async function loadInstanceActorKeyPairs(ctx: AppContext): Promise<CryptoKeyPair[]> {
  const [rsa, ed25519] = await Promise.all([instanceActorPair(ctx, 'rsa'), instanceActorPair(ctx, 'ed25519')]);
  return Promise.all([toCryptoKeyPair(rsa, RSA), toCryptoKeyPair(ed25519, 'Ed25519')]);
}

// Kept for the process's life: a stored pair is never changed (every process reads the one row the
// first insert made), and Fedify asks for it on each inbox POST (it signs the key fetches).
const instanceActorKeyCache = new WeakMap<AppContext, Promise<CryptoKeyPair[]>>();

/** The instance actor's key pairs, made on first use: RSA, then Ed25519. */
export function instanceActorKeyPairs(ctx: AppContext): Promise<CryptoKeyPair[]> {
  let pairs = instanceActorKeyCache.get(ctx);
  if (!pairs) {
    pairs = loadInstanceActorKeyPairs(ctx);
    instanceActorKeyCache.set(ctx, pairs);
    pairs.catch(() => instanceActorKeyCache.delete(ctx));
  }
  return pairs;
}
