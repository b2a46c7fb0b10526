import type { AppContext } from '../../context.ts';
import { ApiError } from '../../lib/errors.ts';

/** Mastodon's per-account action limits (RateLimiter::FAMILIES). */
export const RATE_LIMIT_FAMILIES = {
  /** status creates and edits */
  statuses: { limit: 300, periodSeconds: 3 * 3600 },
  /** follows, follow requests and tag follows */
  follows: { limit: 400, periodSeconds: 24 * 3600 },
  reports: { limit: 400, periodSeconds: 24 * 3600 },
  /** uploads */
  media: { limit: 30, periodSeconds: 30 * 60 },
} as const;

export type RateLimitFamily = keyof typeof RATE_LIMIT_FAMILIES;

/** The `X-RateLimit-*` headers Mastodon sends with a limited action's answer (and its 429). */
export type RateLimitHeaders = Record<'x-ratelimit-limit' | 'x-ratelimit-remaining' | 'x-ratelimit-reset', string>;

/** A 429 `{"error":"Too many requests"}` carrying the headers to send with it. */
export class RateLimitExceeded extends ApiError {
  readonly headers: RateLimitHeaders;
  constructor(headers: RateLimitHeaders) {
    super(429, 'Too many requests');
    this.headers = headers;
  }
}

const windowOf = (family: RateLimitFamily, now: number) => Math.floor(now / 1000 / RATE_LIMIT_FAMILIES[family].periodSeconds);

/** The cache key counting `accountId`'s actions of `family` in the current window (fixed windows, as Mastodon's). */
export function rateLimitKey(accountId: string, family: RateLimitFamily, now = Date.now()): string {
  return `rate_limit:${accountId}:${family}:${windowOf(family, now)}`;
}

function headersFor(family: RateLimitFamily, count: number, now: number): RateLimitHeaders {
  const { limit, periodSeconds } = RATE_LIMIT_FAMILIES[family];
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - count)),
    'x-ratelimit-reset': new Date((windowOf(family, now) + 1) * periodSeconds * 1000).toISOString(),
  };
}

/** Where the account stands, without counting anything. */
export async function rateLimitStatus(ctx: AppContext, accountId: string, family: RateLimitFamily): Promise<RateLimitHeaders> {
  const now = Date.now();
  const count = Number((await ctx.cache.get(rateLimitKey(accountId, family, now))) ?? 0);
  return headersFor(family, count, now);
}

/**
 * Throws RateLimitExceeded (429) when the account already used up its window, counting nothing:
 * for actions that cost work (processing an image, asking other servers about mentions) before
 * they are recorded with {@link recordRateLimit}.
 */
export async function refuseOverRateLimit(ctx: AppContext, accountId: string, family: RateLimitFamily): Promise<void> {
  const now = Date.now();
  const count = Number((await ctx.cache.get(rateLimitKey(accountId, family, now))) ?? 0);
  if (count >= RATE_LIMIT_FAMILIES[family].limit) throw new RateLimitExceeded(headersFor(family, count, now));
}

/**
 * Counts one action of `family` by `accountId` (RateLimiter#record!). Throws RateLimitExceeded
 * (429) when the account already used up its window; otherwise returns the headers to send.
 * Call it after validating and right before writing, so refused input does not count.
 */
export async function recordRateLimit(ctx: AppContext, accountId: string, family: RateLimitFamily): Promise<RateLimitHeaders> {
  const now = Date.now();
  const { limit, periodSeconds } = RATE_LIMIT_FAMILIES[family];
  const key = rateLimitKey(accountId, family, now);
  const current = Number((await ctx.cache.get(key)) ?? 0);
  if (current >= limit) throw new RateLimitExceeded(headersFor(family, current, now));
  const count = await ctx.cache.incr(key, periodSeconds + 1);
  if (count > limit) throw new RateLimitExceeded(headersFor(family, count, now));
  return headersFor(family, count, now);
}
