import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../../context.ts';
import { queryRows, type Database } from '../../../db/index.ts';
import { previewCards, previewCardsStatuses } from '../../../db/schema.ts';
import { LinkCrawl } from '../../../jobs/definitions.ts';
import { enqueue, jobRequest, type JobRequest } from '../../../jobs/enqueue.ts';
import { forgetStatusParts } from '../../../presenters/status-parts-cache.ts';
import { idPartition } from '../../media/media-attachments.ts';
import type { ProcessedImage } from '../../media/media-processing.ts';
import type { CardAttributes } from './link-details.ts';
import type { PreviewCardRow } from '../../../db/schema.ts';

export type { PreviewCardRow };

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * How long remote statuses' crawls are spread over (Mastodon: a random 1 to 59 s, not to flood the
 * linked site when a post arrives from many servers at once). Tests set it to 0 before booting.
 */
export const linkCrawlSpread = { maxSeconds: 59 };

/**
 * Queues the fetch of a status's card (LinkCrawlWorker, `pull` queue): after a local post or edit at
 * once, after a remote one within a minute. Best effort, as in Mastodon (never retried): a status
 * whose crawl could not be queued has no card.
 */
export async function crawlLinks(ctx: AppContext, statusId: string, options: { spread?: boolean } = {}): Promise<void> {
  await linkCrawlRequest(ctx, statusId, options).alone();
}

/** The crawl of a status's card, to be enqueued with other jobs (enqueueTogether); alone, as crawlLinks. */
export function linkCrawlRequest(ctx: AppContext, statusId: string, options: { spread?: boolean } = {}): JobRequest {
  const delayMs = options.spread && linkCrawlSpread.maxSeconds > 0 ? (1 + Math.floor(Math.random() * linkCrawlSpread.maxSeconds)) * 1000 : undefined;
  return jobRequest(LinkCrawl, { statusId }, { delayMs }, () =>
    enqueue(ctx, LinkCrawl, { statusId }, { delayMs }).catch((error: unknown) => ctx.log.warn({ err: error, statusId }, 'could not queue the fetch of a link preview')),
  );
}

export async function findCardByUrl(ctx: AppContext, url: string): Promise<PreviewCardRow | undefined> {
  const [row] = await ctx.db.select().from(previewCards).where(eq(previewCards.url, url)).limit(1);
  return row;
}

export async function statusHasCard(ctx: AppContext, statusId: string): Promise<boolean> {
  const [row] = await ctx.db.select({ id: previewCardsStatuses.previewCardId }).from(previewCardsStatuses).where(eq(previewCardsStatuses.statusId, statusId)).limit(1);
  return !!row;
}

/** Status#reset_preview_card!: an edit of the text drops the card; the crawl after it finds the new one. */
export async function detachCard(db: Tx | Database, statusId: string): Promise<void> {
  // the edit that drops the card forgets the rendering once committed
  await db.delete(previewCardsStatuses).where(eq(previewCardsStatuses.statusId, statusId));
}

/** Attaches a card to a status unless it has one (FetchLinkCardService#attach_card); true when it did. */
export async function attachCard(ctx: AppContext, statusId: string, cardId: string, originalUrl: string): Promise<boolean> {
  const rows = await queryRows<{ status_id: string }>(
    ctx.db,
    sql`INSERT INTO preview_cards_statuses (preview_card_id, status_id, url)
        SELECT ${cardId}, ${statusId}, ${originalUrl}
         WHERE EXISTS (SELECT 1 FROM statuses WHERE id = ${statusId} AND deleted_at IS NULL)
           AND NOT EXISTS (SELECT 1 FROM preview_cards_statuses WHERE status_id = ${statusId})
        ON CONFLICT DO NOTHING
        RETURNING status_id::text AS status_id`,
  );
  if (rows.length > 0) await forgetStatusParts(ctx, [statusId]);
  return rows.length > 0;
}

/** A stored card image: Mastodon's path, `preview_cards/images/<id partition>/original/<random>.<ext>`. */
export interface CardImage {
  key: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
  blurhash: string | null;
}

export async function storeCardImage(ctx: AppContext, cardId: string, image: ProcessedImage): Promise<CardImage> {
  const key = `preview_cards/images/${idPartition(cardId)}/original/${randomBytes(8).toString('hex')}.${image.extension}`;
  await ctx.storage.put(key, image.original.bytes, image.contentType);
  return { key, contentType: image.contentType, size: image.original.bytes.length, width: image.original.width, height: image.original.height, blurhash: image.blurhash };
}

/** A new card's id, taken before it is written (its image is stored under it). */
export async function newCardId(ctx: AppContext): Promise<string> {
  const [row] = await queryRows<{ id: string }>(ctx.db, sql`SELECT timestamp_id()::text AS id`);
  return row!.id;
}

export type SavedAttributes = Partial<Omit<CardAttributes, 'imageUrl'>>;

/**
 * Writes the card for `url` (a new one or the one there, whose trend data and review stay):
 * `image` undefined keeps its image, null drops it. A replaced image's file is deleted. A `link`
 * card with an image takes the image's size (PreviewCard#extract_dimensions).
 */
export async function saveCard(ctx: AppContext, id: string, url: string, attributes: SavedAttributes, image: CardImage | null | undefined): Promise<PreviewCardRow> {
  const previous = await findCardByUrl(ctx, url);
  const values: Partial<typeof previewCards.$inferInsert> = { ...attributes, updatedAt: new Date() };
  if (image !== undefined) {
    Object.assign(values, {
      imageFileKey: image?.key ?? null,
      imageContentType: image?.contentType ?? null,
      imageFileSize: image?.size ?? null,
      blurhash: image?.blurhash ?? null,
    });
    if (image && (attributes.type ?? previous?.type ?? 'link') === 'link') Object.assign(values, { width: image.width, height: image.height });
  }
  const [row] = await ctx.db
    .insert(previewCards)
    .values({ ...values, id, url })
    .onConflictDoUpdate({ target: previewCards.url, set: values })
    .returning();
  if (image !== undefined && previous?.imageFileKey && previous.imageFileKey !== row!.imageFileKey) {
    await ctx.storage.delete(previous.imageFileKey).catch((error: unknown) => ctx.log.warn({ err: error, key: previous.imageFileKey }, 'could not delete a replaced card image'));
  }
  return row!;
}
