import type { AppContext } from '../context.ts';
import { fetchLinkCard } from '../services/statuses/preview-cards/fetch-link-card.ts';
import { outboundPolicyOf } from './federation.ts';
import { linkFetcher } from './link-fetcher.ts';

/**
 * LinkCrawlWorker: the card of a status's first link, fetched under the instance's outbound guard.
 * A crawl is best effort and never retried (Mastodon's `retry: 0`): one that fails (the database
 * away for a moment) is logged and dropped, not kept in the dead set.
 */
export async function runLinkCrawl(ctx: AppContext, data: { statusId: string }): Promise<void> {
  try {
    await fetchLinkCard(ctx, data.statusId, linkFetcher(ctx, outboundPolicyOf(ctx)));
  } catch (error) {
    ctx.log.warn({ err: error, statusId: data.statusId }, 'could not fetch the link preview of a status');
  }
}
