import { eq, lt } from 'drizzle-orm';
import { homeFeed } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { oauthAccessTokens, userActivityDays } from '../../db/schema.ts';
import { isActiveMember } from '../feeds/fan-out.ts';
import { requestHomeRegeneration } from '../feeds/home-regeneration.ts';
import type { Authentication } from '../oauth/authenticate-token.ts';

/** How stale `last_used_at` may get before a request refreshes it. */
const TOUCH_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Records that a token was used (at most once an hour), which keeps its member active for
 * fan-out. A member coming back after USER_ACTIVE_DAYS got no fan-out meanwhile, so their home
 * feed is dropped and its regeneration requested at once, as Mastodon does at sign-in: their home
 * answers 206 from the database until the job has rebuilt it.
 */
export async function recordTokenUse(ctx: AppContext, auth: Authentication, ip: string) {
  const sameDay = auth.lastUsedAt?.toISOString().slice(0, 10) === new Date().toISOString().slice(0, 10);
  if (auth.lastUsedAt && sameDay && Date.now() - auth.lastUsedAt.getTime() < TOUCH_INTERVAL_MS) return;
  if (auth.account && auth.user && !(await isActiveMember(ctx, auth.account.id))) {
    await ctx.feeds.clear(homeFeed(auth.account.id));
    // if it cannot be requested now, the next read of the missing feed asks again
    await requestHomeRegeneration(ctx, auth.account.id).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not request a home feed regeneration'));
  }
  await ctx.db.update(oauthAccessTokens).set({ lastUsedAt: new Date(), lastUsedIp: ip }).where(eq(oauthAccessTokens.id, auth.tokenId));
  if (auth.user) await recordActiveDay(ctx, auth.user.id);
}

/** The user was active today (Mastodon's `activity:logins` tracker): counted by the active_users measure. */
export async function recordActiveDay(ctx: AppContext, userId: string): Promise<void> {
  await ctx.db
    .insert(userActivityDays)
    .values({ day: new Date().toISOString().slice(0, 10), userId })
    .onConflictDoNothing();
}

/** ActivityTracker::EXPIRE_AFTER: the active days of the last six months are kept. */
const ACTIVE_DAYS_KEPT_MS = 180 * 24 * 3600 * 1000;

/** Forgets the active days older than six months (with the daily vacuum). */
export async function vacuumActiveDays(ctx: AppContext, now = new Date()): Promise<void> {
  await ctx.db.delete(userActivityDays).where(lt(userActivityDays.day, new Date(now.getTime() - ACTIVE_DAYS_KEPT_MS).toISOString().slice(0, 10)));
}
