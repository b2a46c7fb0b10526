import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../../context.ts';
import { accounts, mentions, statuses } from '../../../db/schema.ts';
import { processImage } from '../../media/media-processing.ts';
import { registerStatusLink } from '../../trends/links.ts';
import { pageDetails, type CardAttributes, type PageDetails } from './link-details.ts';
import { cardFromOEmbed, ENDPOINT_CACHE_SECONDS, endpointTemplate, expandTemplate, parseOEmbed, resolveEndpoint, type OEmbedFormat } from './oembed.ts';
import { attachCard, findCardByUrl, newCardId, saveCard, statusHasCard, storeCardImage, type CardImage, type PreviewCardRow, type SavedAttributes } from './preview-cards.ts';
import { statusLink } from './status-link.ts';

/**
 * The web as the crawl sees it, through the outbound guard (src/federation/link-fetcher.ts): each
 * answers undefined for a response that is not what it wants and throws when refused (a private
 * address), too slow or too big.
 */
export interface LinkFetcher {
  /** a 200 `text/html` page, its first megabyte decoded by its charset, and the URL its redirects ended at */
  page(url: string): Promise<{ url: string; html: string } | undefined>;
  /** a 200 answer's body (an oEmbed document), at most a megabyte */
  document(url: string): Promise<string | undefined>;
  /** a 2xx answer's bytes (a card's image), at most two megabytes */
  image(url: string): Promise<Buffer | undefined>;
}

/** A card is fetched again after two weeks, or when it has no image (FetchLinkCardService#call). */
const REFRESH_AFTER_MS = 14 * 24 * 3600 * 1000;
/** A card's image keeps at most 640×360 worth of pixels (PreviewCard's `original` style). */
const CARD_IMAGE_PIXELS = 230_400;

const endpointCacheKey = (host: string) => `oembed_endpoint:${host}`;
/** How long one crawl may hold a URL, and how long another waits for it before fetching anyway. */
const LOCK_SECONDS = 60;
const LOCK_WAIT_MS = 45_000;

/**
 * One fetch of a URL at a time (Mastodon's `fetch:<url>` Redis lock): the statuses of a link shared
 * by many at once wait for the first crawl and reuse its card instead of each fetching the page.
 */
async function withFetchLock<T>(ctx: AppContext, url: string, fn: () => Promise<T>): Promise<T> {
  const key = `fetch:${url}`;
  const token = `${process.pid}:${Math.random()}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await ctx.cache.setIfAbsent(key, token, LOCK_SECONDS)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    return await fn();
  } finally {
    await ctx.cache.deleteIfHeld(key, token).catch(() => undefined);
  }
}

async function loadStatus(ctx: AppContext, statusId: string) {
  const [status] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, statusId), isNull(statuses.deletedAt)))
    .limit(1);
  if (!status || status.reblogOfId) return undefined;
  const mentioned = await ctx.db.select({ url: accounts.url, uri: accounts.uri }).from(mentions).innerJoin(accounts, eq(accounts.id, mentions.accountId)).where(eq(mentions.statusId, status.id));
  return { status, mentionUrls: mentioned.flatMap((row) => [row.url, row.uri].filter((url): url is string => !!url)) };
}

/**
 * FetchLinkCardService: the card of a status's first link. A card fetched for that URL in the last
 * two weeks (with its image) is reused; otherwise the page is fetched: its oEmbed (a domain's
 * endpoint remembered for a day) or else its tags make the card, saved under the URL its redirects
 * end at (or its canonical URL). The card is attached (a status keeps the first it gets), and the
 * status shares it for link trends. Network failures leave the status without a card.
 */
export async function fetchLinkCard(ctx: AppContext, statusId: string, web: LinkFetcher): Promise<PreviewCardRow | undefined> {
  const loaded = await loadStatus(ctx, statusId);
  if (!loaded) return undefined;
  const { status, mentionUrls } = loaded;
  const originalUrl = statusLink({ local: status.local, text: status.text, content: status.content, mentionUrls }, ctx.config);
  if (!originalUrl || (await statusHasCard(ctx, status.id))) return undefined;

  let card: PreviewCardRow | undefined;
  try {
    card = await withFetchLock(ctx, originalUrl, async () => {
      const known = await findCardByUrl(ctx, originalUrl);
      if (known && known.updatedAt.getTime() > Date.now() - REFRESH_AFTER_MS && known.imageFileKey) return known;
      return (await new CardFetch(ctx, web, originalUrl).run()) ?? known;
    });
  } catch (error) {
    ctx.log.debug({ err: error, url: originalUrl }, 'could not fetch a link preview');
    return undefined;
  }
  // a card is never saved without a title or an embed; one carried over unfetched has neither
  if (!card || (!card.title && !card.html)) return undefined;
  if (await attachCard(ctx, status.id, card.id, originalUrl)) await registerStatusLink(ctx, status.id);
  return card;
}

/** One fetch of a URL's card (FetchLinkCardService#process_url); run() answers the card it saved, if any. */
class CardFetch {
  private readonly ctx: AppContext;
  private readonly web: LinkFetcher;
  private url: string;
  private page: { url: string; html: string } | null | undefined;
  private details: PageDetails | undefined;

  constructor(ctx: AppContext, web: LinkFetcher, url: string) {
    this.ctx = ctx;
    this.web = web;
    this.url = url;
  }

  async run(): Promise<PreviewCardRow | undefined> {
    return (await this.fromOEmbed()) ?? (await this.fromPage());
  }

  /** The page, fetched once; the card's URL becomes the one its redirects ended at. */
  private async html(): Promise<{ url: string; html: string } | null> {
    if (this.page === undefined) {
      this.page = (await this.web.page(this.url)) ?? null;
      if (this.page) this.url = this.page.url;
    }
    return this.page;
  }

  private async pageDetails(): Promise<PageDetails | undefined> {
    const page = await this.html();
    if (page && !this.details) this.details = pageDetails(page.url, page.html);
    return this.details;
  }

  private async fromOEmbed(): Promise<PreviewCardRow | undefined> {
    const host = new URL(this.url).hostname;
    let endpoint: { url: string; format: OEmbedFormat } | undefined;
    let embed: Record<string, unknown> | undefined;
    const cached = await this.ctx.cache.get(endpointCacheKey(host));
    if (cached) {
      const { template, format } = JSON.parse(cached) as { template: string; format: OEmbedFormat };
      endpoint = { url: expandTemplate(template, this.url), format };
      embed = await this.oembed(endpoint);
    }
    if (!embed) {
      const details = await this.pageDetails();
      const discovered = details?.oembed && resolveEndpoint(this.page!.url, details.oembed.href);
      if (!details?.oembed || !discovered) return undefined;
      endpoint = { url: discovered, format: details.oembed.format };
      const template = endpointTemplate(discovered);
      if (template) await this.ctx.cache.set(endpointCacheKey(host), JSON.stringify({ template, format: endpoint.format }), ENDPOINT_CACHE_SECONDS);
      embed = await this.oembed(endpoint);
    }
    const attributes = embed && endpoint ? cardFromOEmbed(embed, endpoint.url) : undefined;
    if (!attributes) return undefined;
    const { imageUrl, ...saved } = attributes;
    return this.save(this.url, saved, imageUrl);
  }

  private async oembed(endpoint: { url: string; format: OEmbedFormat }): Promise<Record<string, unknown> | undefined> {
    try {
      const body = await this.web.document(endpoint.url);
      return body ? parseOEmbed(body, endpoint.format) : undefined;
    } catch (error) {
      this.ctx.log.debug({ err: error, url: endpoint.url }, 'could not fetch an oEmbed document');
      return undefined;
    }
  }

  private async fromPage(): Promise<PreviewCardRow | undefined> {
    const details = await this.pageDetails();
    if (!details) return undefined;
    const { imageUrl, ...attributes } = details.attributes;
    if (!attributes.title && !attributes.html) return undefined;
    return this.save(details.canonicalUrl, attributes, imageUrl);
  }

  /** PreviewCard#save_with_optional_image!: an image that cannot be fetched or read leaves the card without one. */
  private async save(url: string, attributes: SavedAttributes & Partial<Pick<CardAttributes, 'type'>>, imageUrl: string | undefined): Promise<PreviewCardRow> {
    const id = (await findCardByUrl(this.ctx, url))?.id ?? (await newCardId(this.ctx));
    let image: CardImage | null | undefined;
    if (imageUrl) {
      try {
        const bytes = await this.web.image(imageUrl);
        image = bytes ? await storeCardImage(this.ctx, id, await processImage(bytes, { originalPixels: CARD_IMAGE_PIXELS })) : null;
      } catch (error) {
        this.ctx.log.debug({ err: error, url: imageUrl }, 'could not fetch a link preview image');
        image = null;
      }
    }
    return saveCard(this.ctx, id, url, attributes, image);
  }
}
