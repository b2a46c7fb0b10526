import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { bookmarks } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { interactionTargets, type StatusRow } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';
import { isRowId } from '../../lib/ids.ts';

/** Bookmarks a visible status (once; a boost's original); answers the status asked for. */
export async function bookmarkStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  const { requested, original: status } = await interactionTargets(ctx, statusId, accountId);
  await ctx.db.insert(bookmarks).values({ accountId, statusId: status.id }).onConflictDoNothing();
  return requested;
}

/** Removes a bookmark; without one, the status must still be visible. */
export async function unbookmarkStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  if (!isRowId(statusId)) throw notFound();
  await ctx.db.delete(bookmarks).where(and(eq(bookmarks.accountId, accountId), eq(bookmarks.statusId, statusId)));
  const status = await findVisibleStatus(ctx, statusId, accountId);
  if (!status) throw notFound();
  return status;
}
