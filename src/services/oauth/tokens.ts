import { and, eq, isNull, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { oauthAccessTokens } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { channels, publishToStream } from '../../streaming/channels.ts';
import type { ApplicationRow } from './authenticate-token.ts';
import type { IssuedToken } from '../../serializers/token.ts';
import { unsubscribeTokens } from '../notifications/web-push-subscriptions.ts';

/** Issues a bearer token; tokens never expire, as in Mastodon, until revoked. */
export async function issueToken(ctx: Pick<AppContext, 'db'>, input: { applicationId: string | null; userId: string | null; scopes: string[]; grantId?: string }): Promise<IssuedToken> {
  const accessToken = randomToken();
  const [row] = await ctx.db
    .insert(oauthAccessTokens)
    .values({ tokenDigest: digest(accessToken), applicationId: input.applicationId, userId: input.userId, scopes: input.scopes.join(' '), grantId: input.grantId ?? null })
    .returning();
  return { accessToken, id: row!.id, scopes: input.scopes, createdAt: row!.createdAt };
}

/** Revokes a token issued to `app` (RFC 7009: unknown tokens are not an error). Returns false when the token belongs to another app. */
export async function revokeToken(ctx: AppContext, app: ApplicationRow, token: string): Promise<boolean> {
  const [row] = await ctx.db
    .select()
    .from(oauthAccessTokens)
    .where(eq(oauthAccessTokens.tokenDigest, digest(token)))
    .limit(1);
  if (!row) return true;
  if (row.applicationId !== app.id) return false;
  await ctx.db
    .update(oauthAccessTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(oauthAccessTokens.id, row.id), isNull(oauthAccessTokens.revokedAt)));
  // a revoked token's device is told nothing more (Mastodon's tokens controller unsubscribes it)
  await unsubscribeTokens(ctx, [row.id]);
  await publishToStream(ctx, channels.accessToken(row.id), 'kill');
  return true;
}

async function revokeTokensWhere(ctx: AppContext, condition: SQL | undefined): Promise<void> {
  const revoked = await ctx.db
    .update(oauthAccessTokens)
    .set({ revokedAt: new Date() })
    .where(and(condition, isNull(oauthAccessTokens.revokedAt)))
    .returning({ id: oauthAccessTokens.id });
  await unsubscribeTokens(
    ctx,
    revoked.map(({ id }) => id),
  );
  for (const { id } of revoked) await publishToStream(ctx, channels.accessToken(id), 'kill');
}

/** Revokes every token issued for an authorization code (and closes their streams). */
export function revokeTokensOfGrant(ctx: AppContext, grantId: string): Promise<void> {
  return revokeTokensWhere(ctx, eq(oauthAccessTokens.grantId, grantId));
}

/** Revokes every token a member gave any app (Mastodon's `User#revoke_access!`), closing their streams. */
export function revokeTokensOfUser(ctx: AppContext, userId: string): Promise<void> {
  return revokeTokensWhere(ctx, eq(oauthAccessTokens.userId, userId));
}

/** Revokes every token a member gave one app (Doorkeeper's `revoke_all_for`), closing their streams. */
export function revokeTokensOfUserApplication(ctx: AppContext, userId: string, applicationId: string): Promise<void> {
  return revokeTokensWhere(ctx, and(eq(oauthAccessTokens.userId, userId), eq(oauthAccessTokens.applicationId, applicationId)));
}
