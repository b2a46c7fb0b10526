import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { previewCards, previewCardTrends, statuses, tags, tagTrends } from '../../db/schema.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { rowId } from '../../lib/ids.ts';
import type { PreviewCardRow } from '../../serializers/preview-card.ts';
import type { StatusRow } from '../../serializers/status.ts';
import type { TagRow } from '../statuses/tag-entities.ts';
import { providerReviewed } from './providers.ts';
import type { OffsetPage } from './trendable.ts';

/**
 * What staff who may manage taxonomies see of the trends (Mastodon's `Trends.*.query` without
 * `allowed`): everything trending, reviewed or not, best first; and their approve and reject, which
 * only change what the public trends show.
 */

export async function allTrendingTags(ctx: AppContext, page: OffsetPage): Promise<TagRow[]> {
  const rows = await ctx.db
    .select({ tag: tags })
    .from(tagTrends)
    .innerJoin(tags, eq(tags.id, tagTrends.tagId))
    .orderBy(sql`${tagTrends.score} DESC`, sql`${tagTrends.id}`)
    .offset(page.offset)
    .limit(page.limit);
  return rows.map((row) => row.tag);
}

export interface StaffTrendLink {
  card: PreviewCardRow;
  /** the review of the card's site, if it had one */
  providerReviewed: boolean;
}

/** PreviewCard#requires_review?: neither the card nor its site was reviewed. */
export const linkRequiresReview = (link: StaffTrendLink) => link.card.trendable === null && !link.providerReviewed;

export async function allTrendingLinks(ctx: AppContext, page: OffsetPage): Promise<StaffTrendLink[]> {
  const rows = await ctx.db
    .select({ card: previewCards, providerReviewed: providerReviewed(previewCards.url) })
    .from(previewCardTrends)
    .innerJoin(previewCards, eq(previewCards.id, previewCardTrends.previewCardId))
    .orderBy(sql`${previewCardTrends.score} DESC`, sql`${previewCardTrends.id}`)
    .offset(page.offset)
    .limit(page.limit);
  return rows;
}

export interface StaffTrendStatus {
  status: StatusRow;
  /** Status#requires_review?: no decision on the status and its author never reviewed */
  requiresReview: boolean;
}

export async function allTrendingStatuses(ctx: AppContext, page: OffsetPage): Promise<StaffTrendStatus[]> {
  const rows = await queryRows<{ id: string }>(ctx.db, sql`SELECT st.status_id::text AS id FROM status_trends st ORDER BY st.score DESC, st.id OFFSET ${page.offset} LIMIT ${page.limit}`);
  return statusesForReview(
    ctx,
    rows.map((row) => String(row.id)),
  );
}

async function statusesForReview(ctx: AppContext, ids: string[]): Promise<StaffTrendStatus[]> {
  if (ids.length === 0) return [];
  const found = await queryRows<{ id: string; requires_review: boolean }>(
    ctx.db,
    sql`SELECT s.id::text AS id, (s.trendable IS NULL AND a.reviewed_at IS NULL) AS requires_review
          FROM statuses s JOIN accounts a ON a.id = s.account_id
         WHERE s.id IN (${sql.join(
           ids.map((id) => sql`${id}`),
           sql`, `,
         )})`,
  );
  const review = new Map(found.map((row) => [String(row.id), row.requires_review === true]));
  const rows = await ctx.db
    .select()
    .from(statuses)
    .where(
      sql`${statuses.id} IN (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const status = byId.get(id);
    return status ? [{ status, requiresReview: review.get(id) ?? false }] : [];
  });
}

/** Approve or reject a hashtag's trending (Tag#update trendable, reviewed_at). */
export async function reviewTag(ctx: AppContext, id: string, trendable: boolean): Promise<TagRow> {
  return updateTag(ctx, id, { trendable });
}

export interface TagChanges {
  trendable?: boolean;
  usable?: boolean;
  listable?: boolean;
  /** the name as shown: the same name in other letter cases */
  displayName?: string;
}

/** Every hashtag, newest first (Api::V1::Admin::TagsController#index). */
export async function listTags(ctx: AppContext, page: Page): Promise<TagRow[]> {
  const rows = await ctx.db.select().from(tags).where(pageCondition(tags.id, page)).orderBy(pageOrder(tags.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

/** Api::V1::Admin::TagsController#update: the flags given, and the tag counts as reviewed. */
export async function updateTag(ctx: AppContext, id: string, changes: TagChanges): Promise<TagRow> {
  const tag = await findTag(ctx, id);
  const { displayName, ...flags } = changes;
  if (displayName !== undefined && displayName.toLowerCase() !== tag.name.toLowerCase()) throw validationFailed(['Display name must match the hashtag, in any letter case']);
  const [row] = await ctx.db
    .update(tags)
    .set({ ...flags, ...(displayName ? { name: displayName } : {}), reviewedAt: new Date(), requestedReviewAt: null })
    .where(eq(tags.id, tag.id))
    .returning();
  if (!row) throw notFound();
  return row;
}

export async function findTag(ctx: AppContext, id: string): Promise<TagRow> {
  const key = rowId(id);
  const [row] = key ? await ctx.db.select().from(tags).where(eq(tags.id, key)) : [];
  if (!row) throw notFound();
  return row;
}

/** Approve or reject a link (PreviewCard#update trendable). */
export async function reviewLink(ctx: AppContext, id: string, trendable: boolean): Promise<StaffTrendLink> {
  const key = rowId(id);
  if (!key) throw notFound();
  const [card] = await ctx.db.update(previewCards).set({ trendable, updatedAt: new Date() }).where(eq(previewCards.id, key)).returning();
  if (!card) throw notFound();
  const [provider] = await queryRows<{ reviewed: boolean }>(ctx.db, sql`SELECT ${providerReviewed(sql`${card.url}`)} AS reviewed`);
  return { card, providerReviewed: provider?.reviewed === true };
}

/** Approve or reject a status (Status#update trendable). */
export async function reviewStatus(ctx: AppContext, id: string, trendable: boolean): Promise<StaffTrendStatus> {
  const key = rowId(id);
  if (!key) throw notFound();
  const [row] = await ctx.db.update(statuses).set({ trendable }).where(eq(statuses.id, key)).returning({ id: statuses.id });
  if (!row) throw notFound();
  const [found] = await statusesForReview(ctx, [row.id]);
  if (!found) throw notFound();
  return found;
}
