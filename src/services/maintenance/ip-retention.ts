import { and, isNotNull, lt, lte } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { ipBlocks, loginActivities, oauthAccessTokens, sessionActivations, users } from '../../db/schema.ts';

/**
 * Mastodon's Scheduler::IpCleanupScheduler, once a day: sessions older than SESSION_RETENTION_PERIOD
 * end, and IP addresses older than IP_RETENTION_PERIOD are forgotten (of sessions, of members'
 * sign-ups when they last signed in before it, of tokens last used before it), sign-in history older than
 * it is deleted; expired IP blocks go.
 */
export async function cleanUpIpAddresses(ctx: AppContext, now = new Date()): Promise<void> {
  const before = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const ipCutoff = before(ctx.config.ipRetentionSeconds);
  await ctx.db.delete(sessionActivations).where(lt(sessionActivations.createdAt, before(ctx.config.sessionRetentionSeconds)));
  await ctx.db
    .update(sessionActivations)
    .set({ ip: null })
    .where(and(lt(sessionActivations.createdAt, ipCutoff), isNotNull(sessionActivations.ip)));
  await ctx.db
    .update(users)
    .set({ signUpIp: null })
    .where(and(lt(users.currentSignInAt, ipCutoff), isNotNull(users.signUpIp)));
  await ctx.db
    .update(oauthAccessTokens)
    .set({ lastUsedIp: null })
    .where(and(lt(oauthAccessTokens.lastUsedAt, ipCutoff), isNotNull(oauthAccessTokens.lastUsedIp)));
  await ctx.db.delete(loginActivities).where(lt(loginActivities.createdAt, ipCutoff));
  await ctx.db.delete(ipBlocks).where(and(isNotNull(ipBlocks.expiresAt), lte(ipBlocks.expiresAt, now)));
}

/** Vacuum::AccessTokensVacuum: revoked access tokens are deleted. */
export async function vacuumRevokedAccessTokens(ctx: AppContext, now = new Date()): Promise<void> {
  await ctx.db.delete(oauthAccessTokens).where(and(isNotNull(oauthAccessTokens.revokedAt), lt(oauthAccessTokens.revokedAt, now)));
}
