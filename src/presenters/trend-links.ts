import { linkHistories } from '../services/trends/links.ts';
import type { AppContext } from '../context.ts';
import { renderPreviewCard, type PreviewCardRow } from '../serializers/preview-card.ts';

/** Mastodon's Trends::Link entity: the PreviewCard with its `history`. */
export async function renderTrendLinks(ctx: AppContext, rows: PreviewCardRow[]) {
  const histories = await linkHistories(
    ctx,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...renderPreviewCard(row, ctx.storage), history: histories.get(row.id) ?? [] }));
}
