import { eq, inArray, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, oauthAccessTokens, oauthApplications, users } from '../../db/schema.ts';
import { digest } from '../../lib/crypto.ts';
import { parseScopes } from './scopes.ts';
import { cachedTokenRows } from './token-cache.ts';
import type { UserRow, AccountRow, ApplicationRow } from '../../db/schema.ts';

export type { UserRow, AccountRow, ApplicationRow };

export interface Authentication {
  tokenId: string;
  lastUsedAt: Date | null;
  scopes: string[];
  application: ApplicationRow | null;
  user: UserRow | null;
  account: AccountRow | null;
}

function selectTokens(ctx: AppContext, where: SQL) {
  return ctx.db
    .select({ token: oauthAccessTokens, application: oauthApplications, user: users, account: accounts })
    .from(oauthAccessTokens)
    .leftJoin(oauthApplications, eq(oauthApplications.id, oauthAccessTokens.applicationId))
    .leftJoin(users, eq(users.id, oauthAccessTokens.userId))
    .leftJoin(accounts, eq(accounts.id, users.accountId))
    .where(where);
}

type TokenRow = Awaited<ReturnType<typeof selectTokens>>[number];

function authentication(row: TokenRow | undefined): Authentication | { error: string } {
  if (!row) return { error: 'The access token is invalid' };
  if (row.token.revokedAt) return { error: 'The access token was revoked' };
  return {
    tokenId: row.token.id,
    lastUsedAt: row.token.lastUsedAt,
    scopes: parseScopes(row.token.scopes),
    application: row.application,
    user: row.user,
    account: row.account,
  };
}

/** Finds the live token behind a bearer string, with Doorkeeper's error messages when it is not. */
export async function authenticateToken(ctx: AppContext, token: string): Promise<Authentication | { error: string }> {
  return (await authenticateTokens(ctx, [token])).get(token)!;
}

/** authenticateToken for many bearer strings in one query (none when their lookups are cached), by bearer string. */
export async function authenticateTokens(ctx: AppContext, tokens: string[]): Promise<Map<string, Authentication | { error: string }>> {
  const byDigest = new Map(tokens.map((token) => [digest(token), token]));
  const rows = await cachedTokenRows(ctx, [...byDigest.keys()], (digests) => selectTokens(ctx, inArray(oauthAccessTokens.tokenDigest, digests)));
  return new Map(tokens.map((token) => [token, authentication(rows.get(digest(token)))]));
}
