import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

export interface Page {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}

/** The WHERE part of a page on an id column (bounds are exclusive). */
export function pageCondition(column: SQLWrapper, page: Page): SQL {
  const parts: SQL[] = [sql`TRUE`];
  if (page.maxId) parts.push(sql`${column} < ${page.maxId}`);
  if (page.sinceId) parts.push(sql`${column} > ${page.sinceId}`);
  if (page.minId) parts.push(sql`${column} > ${page.minId}`);
  return sql.join(parts, sql` AND `);
}

/**
 * Mastodon returns newest first, except that `min_id` takes the oldest items just above it: query
 * ascending, then reverse. Use `pageOrder` for the ORDER BY and `finishPage` on the rows.
 */
export function pageOrder(column: SQLWrapper, page: Page): SQL {
  return page.minId ? sql`${column} ASC` : sql`${column} DESC`;
}

export function finishPage<T>(rows: T[], page: Page): T[] {
  return page.minId ? rows.reverse() : rows;
}
