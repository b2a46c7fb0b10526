import { rowId } from '../lib/ids.ts';

/**
 * Collection pages are `?cursor=top` (the newest) and then `?cursor=<id>`: the items older than
 * that row id. Mastodon pages its collections by 20.
 */
export const FIRST_CURSOR = 'top';
export const PAGE_SIZE = 20;

export function firstPageUrl(collection: URL): URL {
  const url = new URL(collection);
  url.searchParams.set('cursor', FIRST_CURSOR);
  return url;
}

/** The exclusive upper row-id bound of a page: null for the first page, undefined for a cursor that names none. */
export function cursorBound(cursor: string): string | null | undefined {
  return cursor === FIRST_CURSOR ? null : rowId(cursor);
}

/** Items of a page fetched with one row too many, and the cursor of the next page if that row came. */
export function pageOf<T extends { id: string }>(rows: T[]): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, PAGE_SIZE);
  return { items, nextCursor: rows.length > PAGE_SIZE ? items[items.length - 1]!.id : null };
}
