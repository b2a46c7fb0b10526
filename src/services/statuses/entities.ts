import { inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';

/** Status rows for these ids, keyed by id. */
export async function statusRowsById(ctx: AppContext, ids: string[]): Promise<Map<string, StatusRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db.select().from(statuses).where(inArray(statuses.id, unique));
  return new Map(rows.map((row) => [row.id, row]));
}
