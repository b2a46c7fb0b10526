/**
 * Mastodon's trend scores (app/models/trends/*.rb): a hashtag or link scores by how many more distinct
 * accounts used it today than yesterday, from a threshold on; the peak score is kept and decays by
 * half every `maxScoreHalflife`, forgotten after `maxScoreCooldown`. A status scores by its boosts
 * and favourites, decaying by half every `scoreHalflife` from its creation.
 */
export interface UsageTrendOptions {
  threshold: number;
  reviewThreshold: number;
  maxScoreCooldownMs: number;
  maxScoreHalflifeMs: number;
  decayThreshold: number;
}

const HOUR = 3_600_000;
export const DAY_MS = 24 * HOUR;

export const TAG_TREND_OPTIONS: UsageTrendOptions = { threshold: 5, reviewThreshold: 3, maxScoreCooldownMs: 2 * DAY_MS, maxScoreHalflifeMs: 4 * HOUR, decayThreshold: 1 };
export const LINK_TREND_OPTIONS: UsageTrendOptions = { threshold: 5, reviewThreshold: 3, maxScoreCooldownMs: 2 * DAY_MS, maxScoreHalflifeMs: 8 * HOUR, decayThreshold: 1 };
export const STATUS_TREND_OPTIONS = { threshold: 5, reviewThreshold: 3, scoreHalflifeMs: 2 * HOUR, decayThreshold: 0.3 };

export interface UsageCandidate {
  /** distinct accounts today and yesterday (UTC days, as Mastodon's history) */
  observed: number;
  expected: number;
  maxScore: number | null;
  maxScoreAt: Date | null;
}

/** A candidate as the refresh queries read it: counts as text, the peak as stored. */
export interface UsageCandidateRow {
  id: string;
  max_score: number | null;
  max_score_at: Date | string | null;
  observed: string;
  expected: string;
}

export function usageCandidate(row: UsageCandidateRow): UsageCandidate {
  return {
    observed: Number(row.observed),
    expected: Number(row.expected),
    maxScore: row.max_score === null ? null : Number(row.max_score),
    maxScoreAt: row.max_score_at ? new Date(row.max_score_at) : null,
  };
}

export interface UsageScore {
  /** the new peak, when this refresh reached one */
  newPeak?: { maxScore: number; maxScoreAt: Date };
  decayingScore: number;
}

export function usageScore(candidate: UsageCandidate, now: Date, options: UsageTrendOptions): UsageScore {
  const expected = candidate.expected === 0 ? 1 : candidate.expected;
  const observed = candidate.observed;
  let maxTime = candidate.maxScoreAt;
  let maxScore = candidate.maxScore ?? 0;
  if (!maxTime || maxTime.getTime() < now.getTime() - options.maxScoreCooldownMs) maxScore = 0;
  const score = expected > observed || observed < options.threshold ? 0 : (observed - expected) ** 2 / expected;
  let newPeak: UsageScore['newPeak'];
  if (score > maxScore) {
    maxScore = score;
    maxTime = now;
    newPeak = { maxScore, maxScoreAt: now };
  }
  const decayingScore = maxScore === 0 || !maxTime ? 0 : maxScore * 0.5 ** ((now.getTime() - maxTime.getTime()) / options.maxScoreHalflifeMs);
  return { newPeak, decayingScore };
}

export function statusScore(engagement: number, createdAt: Date, now: Date): number {
  const expected = 1;
  if (expected > engagement || engagement < STATUS_TREND_OPTIONS.threshold) return 0;
  const score = (engagement - expected) ** 2 / expected;
  return score * 0.5 ** ((now.getTime() - createdAt.getTime()) / STATUS_TREND_OPTIONS.scoreHalflifeMs);
}

/** The start of the UTC day `now` is in (Mastodon's `at_time.beginning_of_day`). */
export function dayStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
}
