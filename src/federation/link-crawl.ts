import type { AppContext } from '../context.ts';
import { fetchLinkCard } from '../services/preview-cards/fetch-link-card.ts';
import { outboundPolicyOf } from './federation.ts';
import { linkFetcher } from './link-fetcher.ts';

/** LinkCrawlWorker: the card of a status's first link, fetched under the instance's outbound guard. */
export async function runLinkCrawl(ctx: AppContext, data: { statusId: string }): Promise<void> {
  await fetchLinkCard(ctx, data.statusId, linkFetcher(outboundPolicyOf(ctx)));
}
