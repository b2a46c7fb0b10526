import type { Page } from '../services/feeds/pagination.ts';

/** Every row a paginated service lists (newest first), read a page at a time. */
export async function allPages<T extends { id: string }>(list: (page: Page) => Promise<T[]>, limit = 500): Promise<T[]> {
  const rows: T[] = [];
  let maxId: string | undefined;
  for (;;) {
    const page = await list({ limit, maxId });
    rows.push(...page);
    if (page.length < limit) return rows;
    maxId = page.at(-1)!.id;
  }
}
