import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { markers } from '../../db/schema.ts';
import { ApiError } from '../../lib/errors.ts';
import type { MarkerRow } from '../../db/schema.ts';

export type { MarkerRow };

/** The member's markers of the given timelines (`home`, `notifications`). */
export async function markersOf(ctx: AppContext, accountId: string, timelines: string[]): Promise<MarkerRow[]> {
  return ctx.db
    .select()
    .from(markers)
    .where(and(eq(markers.accountId, accountId), inArray(markers.timeline, timelines)));
}

/** Saves one marker with Rails' optimistic locking: each change bumps `version`; a lost race is a 409. */
export async function saveMarker(ctx: AppContext, accountId: string, timeline: string, lastReadId: string): Promise<MarkerRow> {
  const [existing] = await ctx.db
    .select()
    .from(markers)
    .where(and(eq(markers.accountId, accountId), eq(markers.timeline, timeline)));
  if (!existing) {
    const [created] = await ctx.db.insert(markers).values({ accountId, timeline, lastReadId }).onConflictDoNothing().returning();
    if (!created) throw new ApiError(409, 'Conflict during update, please try again');
    return created;
  }
  if (existing.lastReadId === lastReadId) return existing;
  const [updated] = await ctx.db
    .update(markers)
    .set({ lastReadId, lockVersion: sql`${markers.lockVersion} + 1`, updatedAt: new Date() })
    .where(and(eq(markers.id, existing.id), eq(markers.lockVersion, existing.lockVersion)))
    .returning();
  if (!updated) throw new ApiError(409, 'Conflict during update, please try again');
  return updated;
}
