import { randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  VerifiedRegistrationResponse,
} from '@simplewebauthn/server';
import { and, asc, eq } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { users, webauthnCredentials } from '../../db/schema.ts';
import { ApiError } from '../../lib/errors.ts';
import { TwoFactorMail } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';

/**
 * Security keys (WebAuthn), as Mastodon's WebauthnCredentialsController and its sign-in step use
 * them: the relying party is the instance's web domain (its host, without a port), the origin its
 * web address; user verification is not asked for (the key is the second factor, the password the
 * first). Each ceremony's challenge is kept in the cache under a key of the caller's (the browser
 * session, or the sign-in attempt) and is good once.
 */
const CHALLENGE_SECONDS = 300;
/** EdDSA, ES256, RS256: named, so that the library does not probe the runtime for experimental ones (a warning each time) */
const ALGORITHMS = [-8, -7, -257];
const MAX_NICKNAME = 100;

/** The library is loaded on first use: most processes never see a security key. */
const webauthn = () => import('@simplewebauthn/server');

const relyingParty = (ctx: AppContext) => ({ rpID: new URL(baseUrl(ctx.config)).hostname, origin: baseUrl(ctx.config) });

async function keepChallenge(ctx: AppContext, key: string, challenge: string) {
  await ctx.cache.set(`webauthn_challenge:${key}`, challenge, CHALLENGE_SECONDS);
}

/** The challenge kept under `key`, which no other response can then use. */
async function takeChallenge(ctx: AppContext, key: string): Promise<string | null> {
  const challenge = await ctx.cache.get(`webauthn_challenge:${key}`);
  if (challenge) await ctx.cache.del(`webauthn_challenge:${key}`);
  return challenge;
}

export async function securityKeysOf(ctx: AppContext, userId: string) {
  return ctx.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).orderBy(asc(webauthnCredentials.createdAt), asc(webauthnCredentials.id));
}

/** The options for `navigator.credentials.create()`: a new key for this member (its handle made on first use), none of theirs again. */
export async function registrationOptions(ctx: AppContext, user: { id: string; webauthnId: string | null }, username: string, challengeKey: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  let handle = user.webauthnId;
  if (!handle) {
    handle = randomBytes(64).toString('base64url');
    await ctx.db.update(users).set({ webauthnId: handle }).where(eq(users.id, user.id));
  }
  const options = await (await webauthn()).generateRegistrationOptions({
    rpName: ctx.config.localDomain,
    rpID: relyingParty(ctx).rpID,
    userName: username,
    userDisplayName: username,
    userID: Buffer.from(handle, 'base64url'),
    attestationType: 'none',
    excludeCredentials: (await securityKeysOf(ctx, user.id)).map((key) => ({ id: key.externalId })),
    authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
    timeout: 120_000,
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await keepChallenge(ctx, challengeKey, options.challenge);
  return options;
}

/** Checks a new key's response to the challenge kept under `challengeKey` and adds it under `nickname`; the member is told by e-mail. */
export async function addSecurityKey(ctx: AppContext, userId: string, challengeKey: string, response: unknown, nickname: string) {
  const name = nickname.trim();
  if (!name) throw new ApiError(422, "Nickname can't be blank");
  if (name.length > MAX_NICKNAME) throw new ApiError(422, `Nickname is too long (maximum is ${MAX_NICKNAME} characters)`);
  const challenge = await takeChallenge(ctx, challengeKey);
  if (!challenge) throw new ApiError(422, 'The security key could not be added: start again.');
  const { rpID, origin } = relyingParty(ctx);
  let verified: VerifiedRegistrationResponse;
  try {
    verified = await (await webauthn()).verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    throw new ApiError(422, 'The security key could not be added.');
  }
  if (!verified.verified) throw new ApiError(422, 'The security key could not be added.');
  const { credential } = verified.registrationInfo;
  const taken = await ctx.db
    .select({ id: webauthnCredentials.id })
    .from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.nickname, name)));
  if (taken.length) throw new ApiError(422, 'Nickname has already been taken');
  const [added] = await ctx.db
    .insert(webauthnCredentials)
    .values({ userId, externalId: credential.id, publicKey: Buffer.from(credential.publicKey).toString('base64url'), nickname: name, signCount: credential.counter })
    .onConflictDoNothing()
    .returning();
  if (!added) throw new ApiError(422, 'This security key is registered already.');
  const first = (await securityKeysOf(ctx, userId)).length === 1;
  await enqueue(ctx, TwoFactorMail, first ? { userId, event: 'webauthn_enabled' } : { userId, event: 'webauthn_credential_added', nickname: name });
  return added;
}

/** Removes one of the member's keys (the member is told by e-mail); 404 when it is not theirs. */
export async function removeSecurityKey(ctx: AppContext, userId: string, id: string): Promise<void> {
  if (!/^\d{1,19}$/.test(id)) throw new ApiError(404, 'Record not found');
  const removed = await ctx.db
    .delete(webauthnCredentials)
    .where(and(eq(webauthnCredentials.id, id), eq(webauthnCredentials.userId, userId)))
    .returning({ nickname: webauthnCredentials.nickname });
  if (!removed.length) throw new ApiError(404, 'Record not found');
  const last = (await securityKeysOf(ctx, userId)).length === 0;
  await enqueue(ctx, TwoFactorMail, last ? { userId, event: 'webauthn_disabled' } : { userId, event: 'webauthn_credential_deleted', nickname: removed[0]!.nickname });
}

/** The options for `navigator.credentials.get()` at sign-in: any of the member's keys. Null when they have none. */
export async function authenticationOptions(ctx: AppContext, userId: string, challengeKey: string): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const keys = await securityKeysOf(ctx, userId);
  if (!keys.length) return null;
  const options = await (await webauthn()).generateAuthenticationOptions({
    rpID: relyingParty(ctx).rpID,
    allowCredentials: keys.map((key) => ({ id: key.externalId })),
    userVerification: 'discouraged',
    timeout: 120_000,
  });
  await keepChallenge(ctx, challengeKey, options.challenge);
  return options;
}

/** Whether `response` is one of the member's keys answering the challenge kept under `challengeKey`; its signature count is kept. */
export async function verifySecurityKey(ctx: AppContext, userId: string, challengeKey: string, response: unknown): Promise<boolean> {
  const challenge = await takeChallenge(ctx, challengeKey);
  const id = (response as { id?: unknown } | null)?.id;
  if (!challenge || typeof id !== 'string') return false;
  const [key] = await ctx.db
    .select()
    .from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.externalId, id)));
  if (!key) return false;
  const { rpID, origin } = relyingParty(ctx);
  try {
    const verified = await (await webauthn()).verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { id: key.externalId, publicKey: Buffer.from(key.publicKey, 'base64url'), counter: key.signCount },
      requireUserVerification: false,
    });
    if (!verified.verified) return false;
    await ctx.db.update(webauthnCredentials).set({ signCount: verified.authenticationInfo.newCounter, updatedAt: new Date() }).where(eq(webauthnCredentials.id, key.id));
    return true;
  } catch {
    return false;
  }
}
