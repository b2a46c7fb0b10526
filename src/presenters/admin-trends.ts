import type { AppContext } from '../context.ts';
import type { PreviewCardProviderRow } from '../services/trends/providers.ts';
import { linkRequiresReview, type StaffTrendLink, type StaffTrendStatus } from '../services/trends/staff-review.ts';
import { trendSettings } from '../services/trends/trendable.ts';
import type { TagRow } from '../services/statuses/tag-entities.ts';
import { renderStatuses } from './statuses.ts';
import { renderTags } from './tags.ts';
import { renderTrendLinks } from './trend-links.ts';

/** REST::Admin::TagSerializer: the Tag entity with its review (`trendable` falls back to `trendable_by_default`). */
export async function renderAdminTags(ctx: AppContext, rows: TagRow[], viewerId: string) {
  const [rendered, settings] = await Promise.all([renderTags(ctx, rows, viewerId), trendSettings(ctx)]);
  return rendered.map((tag, i) => {
    const row = rows[i]!;
    return { ...tag, id: row.id, trendable: row.trendable ?? settings.trendableByDefault, usable: row.usable, requires_review: row.reviewedAt === null, listable: row.listable };
  });
}

export async function renderAdminTag(ctx: AppContext, row: TagRow, viewerId: string) {
  return (await renderAdminTags(ctx, [row], viewerId))[0]!;
}

/** REST::Admin::Trends::LinkSerializer: the trending link with its card's id and review. */
export async function renderStaffTrendLinks(ctx: AppContext, links: StaffTrendLink[]) {
  const rendered = await renderTrendLinks(
    ctx,
    links.map((link) => link.card),
  );
  return rendered.map((link, i) => ({ ...link, id: links[i]!.card.id, requires_review: linkRequiresReview(links[i]!) }));
}

/** REST::Admin::Trends::StatusSerializer: the Status entity with its review. */
export async function renderStaffTrendStatuses(ctx: AppContext, rows: StaffTrendStatus[], viewerId: string) {
  const rendered = await renderStatuses(
    ctx,
    rows.map((row) => row.status),
    { viewerId },
  );
  const review = new Map(rows.map((row) => [row.status.id, row.requiresReview]));
  return rendered.map((status) => ({ ...status, requires_review: review.get(status.id) ?? false }));
}

/** REST::Admin::Trends::Links::PreviewCardProviderSerializer. */
export function renderPreviewCardProvider(row: PreviewCardProviderRow) {
  return {
    id: row.id,
    domain: row.domain,
    trendable: row.trendable ?? false,
    reviewed_at: row.reviewedAt?.toISOString() ?? null,
    requested_review_at: row.requestedReviewAt?.toISOString() ?? null,
    requires_review: row.reviewedAt === null,
  };
}
