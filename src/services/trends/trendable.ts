import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { getSettings } from '../accounts/settings.ts';

/**
 * Whether an item may show in trends: staff's decision when there is one, otherwise the
 * `trendable_by_default` setting (Mastodon's `boolean_with_default('trendable', Setting.trendable_by_default)`).
 * Pass several columns for a fallback chain (a status's own decision, then its account's).
 */
export function trendableCondition(byDefault: boolean, ...columns: SQLWrapper[]): SQL {
  return sql`coalesce(${sql.join(
    columns.map((column) => sql`${column}`),
    sql`, `,
  )}, ${byDefault})`;
}

export interface TrendSettings {
  enabled: boolean;
  trendableByDefault: boolean;
}

export async function trendSettings(ctx: AppContext): Promise<TrendSettings> {
  const settings = await getSettings(ctx);
  return { enabled: settings.trends !== false, trendableByDefault: settings.trendable_by_default === true };
}

/** A page of a trend list: Mastodon's `offset` and `limit` (at most twice the default). */
export interface OffsetPage {
  offset: number;
  limit: number;
}
