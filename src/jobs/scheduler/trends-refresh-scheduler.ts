import type { AppContext } from '../../context.ts';
import { refreshLinkTrends } from '../../services/trends/links.ts';
import { refreshStatusTrends, requestStatusReviews } from '../../services/trends/statuses.ts';
import { refreshTagTrends, requestTagReviews } from '../../services/trends/tags.ts';
import { trendSettings } from '../../services/trends/trendable.ts';

/**
 * Scheduler::Trends::RefreshScheduler (every five minutes): scores hashtags, links and statuses again,
 * then marks hashtags and accounts that would trend but wait for staff as awaiting review
 * (Trends.request_review!; Mastodon asks it of a link's site, its PreviewCardProvider, which Subspace
 * has not: a link waits for its own review, `subspace trends list links` shows it pending).
 */
export async function refreshTrends(ctx: AppContext): Promise<void> {
  const now = new Date();
  await refreshTagTrends(ctx, now);
  await refreshLinkTrends(ctx, now);
  await refreshStatusTrends(ctx, now);
  const settings = await trendSettings(ctx);
  if (!settings.enabled) return;
  await requestTagReviews(ctx, settings.trendableByDefault);
  await requestStatusReviews(ctx, settings.trendableByDefault);
}
