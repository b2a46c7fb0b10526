import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Database } from '../../db/index.ts';
import { oauthAccessGrants } from '../../db/schema.ts';
import { digest, pkceMatches, randomToken } from '../../lib/crypto.ts';
import type { ApplicationRow } from './authenticate-token.ts';
import { invalidGrant } from './errors.ts';
import { issueToken, revokeTokensOfGrant } from './tokens.ts';
import type { IssuedToken } from '../../serializers/token.ts';

/** Doorkeeper's default lifetime of an authorization code. */
const CODE_LIFETIME_MS = 10 * 60 * 1000;

export async function createGrant(
  ctx: AppContext,
  input: { app: ApplicationRow; userId: string; redirectUri: string; scopes: string[]; codeChallenge?: string; codeChallengeMethod?: string },
): Promise<string> {
  const code = randomToken();
  await ctx.db.insert(oauthAccessGrants).values({
    codeDigest: digest(code),
    applicationId: input.app.id,
    userId: input.userId,
    redirectUri: input.redirectUri,
    scopes: input.scopes.join(' '),
    codeChallenge: input.codeChallenge ?? null,
    codeChallengeMethod: input.codeChallenge ? (input.codeChallengeMethod ?? 'S256') : null,
    expiresAt: new Date(Date.now() + CODE_LIFETIME_MS),
  });
  return code;
}

/**
 * Trades an authorization code for a token: once only, same client and redirect URI, PKCE verified.
 * A code presented again has leaked: the tokens already issued for it are revoked (RFC 6749 §4.1.2).
 */
export async function exchangeGrant(ctx: AppContext, input: { app: ApplicationRow; code: string; redirectUri: string; codeVerifier?: string }): Promise<IssuedToken> {
  // The grant is marked used and its token issued in one transaction: a replay racing the first
  // exchange waits on the grant's row, then finds it used and revokes the token it can now see.
  const issued = await ctx.db.transaction(async (tx): Promise<{ token: IssuedToken } | { replayed: boolean }> => {
    const [grant] = await tx
      .update(oauthAccessGrants)
      .set({ revokedAt: new Date() })
      .where(and(eq(oauthAccessGrants.codeDigest, digest(input.code)), isNull(oauthAccessGrants.revokedAt)))
      .returning();
    if (!grant) return { replayed: true };
    const valid =
      grant.applicationId === input.app.id &&
      grant.expiresAt.getTime() >= Date.now() &&
      grant.redirectUri === input.redirectUri &&
      (!grant.codeChallenge || (!!input.codeVerifier && pkceMatches(input.codeVerifier, grant.codeChallenge)));
    // an invalid attempt still uses the code up (committed, not rolled back)
    if (!valid) return { replayed: false };
    return { token: await issueToken({ db: tx as unknown as Database }, { applicationId: input.app.id, userId: grant.userId, scopes: grant.scopes.split(' '), grantId: grant.id }) };
  });
  if ('token' in issued) return issued.token;
  if (issued.replayed) {
    const [used] = await ctx.db
      .select({ id: oauthAccessGrants.id })
      .from(oauthAccessGrants)
      .where(eq(oauthAccessGrants.codeDigest, digest(input.code)));
    if (used) await revokeTokensOfGrant(ctx, used.id);
  }
  throw invalidGrant();
}
