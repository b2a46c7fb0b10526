import { lt, or, isNotNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { oauthAccessGrants } from '../../db/schema.ts';

/** Deletes used and expired authorization codes (part of Mastodon's UserCleanupScheduler). */
export async function cleanUpOauthGrants(ctx: AppContext) {
  await ctx.db.delete(oauthAccessGrants).where(or(isNotNull(oauthAccessGrants.revokedAt), lt(oauthAccessGrants.expiresAt, new Date())));
}
