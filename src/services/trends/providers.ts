import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { previewCardProviders } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { rowId } from '../../lib/ids.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';

export type PreviewCardProviderRow = typeof previewCardProviders.$inferSelect;

/** The host of a card's URL, lower-cased, in SQL. */
export function urlHost(url: SQLWrapper): SQL {
  return sql`lower(substring(${url} from '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?([^/:?#]+)'))`;
}

/** A column of the provider of the site a card's URL is on (PreviewCardProvider.matching_domain: the host's, or its closest parent domain's). */
function providerColumn(url: SQLWrapper, column: SQL): SQL {
  return sql`(SELECT ${column} FROM preview_card_providers p
               WHERE ${urlHost(url)} = p.domain OR ${urlHost(url)} LIKE '%.' || p.domain
               ORDER BY length(p.domain) DESC LIMIT 1)`;
}

/** Staff's decision on the site of a card's URL, null when none. */
export const providerTrendable = (url: SQLWrapper): SQL => providerColumn(url, sql`p.trendable`);

/** Whether staff reviewed the site of a card's URL (PreviewCardProvider#requires_review? negated). */
export const providerReviewed = (url: SQLWrapper): SQL<boolean> => sql<boolean>`coalesce(${providerColumn(url, sql`p.reviewed_at IS NOT NULL`)}, FALSE)`;

/** The sites of these trending cards become providers staff can review (as Trends::Links records them). */
export async function recordProviders(ctx: AppContext, cardIds: string[]): Promise<void> {
  if (cardIds.length === 0) return;
  await ctx.db.execute(sql`
    INSERT INTO preview_card_providers (domain)
    SELECT DISTINCT ${urlHost(sql`c.url`)} FROM preview_cards c
     WHERE c.id IN (${sql.join(
       cardIds.map((id) => sql`${id}`),
       sql`, `,
     )}) AND ${urlHost(sql`c.url`)} IS NOT NULL
    ON CONFLICT (domain) DO NOTHING`);
}

export async function listPreviewCardProviders(ctx: AppContext, page: Page): Promise<PreviewCardProviderRow[]> {
  const rows = await ctx.db.select().from(previewCardProviders).where(pageCondition(previewCardProviders.id, page)).orderBy(pageOrder(previewCardProviders.id, page)).limit(page.limit);
  return finishPage(rows, page);
}

/** Staff's decision on a whole site's links (approve or reject); 404 when there is no such provider. */
export async function reviewPreviewCardProvider(ctx: AppContext, id: string, trendable: boolean): Promise<PreviewCardProviderRow> {
  const key = rowId(id);
  if (!key) throw notFound();
  const [row] = await ctx.db.update(previewCardProviders).set({ trendable, reviewedAt: new Date(), updatedAt: new Date() }).where(sql`${previewCardProviders.id} = ${key}`).returning();
  if (!row) throw notFound();
  return row;
}
