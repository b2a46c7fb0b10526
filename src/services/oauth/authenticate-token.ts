import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, oauthAccessTokens, oauthApplications, users } from '../../db/schema.ts';
import { digest } from '../../lib/crypto.ts';
import { parseScopes } from '../scopes.ts';
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

/** Finds the live token behind a bearer string, with Doorkeeper's error messages when it is not. */
export async function authenticateToken(ctx: AppContext, token: string): Promise<Authentication | { error: string }> {
  const [row] = await ctx.db
    .select({ token: oauthAccessTokens, application: oauthApplications, user: users, account: accounts })
    .from(oauthAccessTokens)
    .leftJoin(oauthApplications, eq(oauthApplications.id, oauthAccessTokens.applicationId))
    .leftJoin(users, eq(users.id, oauthAccessTokens.userId))
    .leftJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(oauthAccessTokens.tokenDigest, digest(token)))
    .limit(1);
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

