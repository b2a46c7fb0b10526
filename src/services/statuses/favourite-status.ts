import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { favourites, notifications } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { notify } from '../notifications/notify.ts';
import { notAllowed } from './reblog-status.ts';
import { interactionTargets, isBlocking, lockStatus, recomputeFavouritesCount, type StatusRow } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';
import { isRowId } from '../../lib/ids.ts';
import { deliverFavourite } from '../activitypub/status-deliveries.ts';

/**
 * Favourites a status (Mastodon's FavouriteService): once per member, counted with a recount under
 * the status's row lock so concurrent favourites keep favourites_count right; the author is notified.
 * Favouriting a boost favourites its original.
 */
export async function favouriteStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  const { requested, original: status } = await interactionTargets(ctx, statusId, accountId);
  if (await isBlocking(ctx, accountId, status.accountId)) throw notAllowed();
  const created = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, status.id);
    const [row] = await tx.insert(favourites).values({ accountId, statusId: status.id }).onConflictDoNothing().returning({ id: favourites.id });
    if (row) await recomputeFavouritesCount(tx, status.id);
    return row?.id;
  });
  if (created) {
    await notify(ctx, { recipientId: status.accountId, fromAccountId: accountId, type: 'favourite', statusId: status.id });
    await deliverFavourite(ctx, 'like', accountId, status.id, created);
  }
  // Mastodon answers the status asked for (a boost, when a boost was favourited)
  return (await findVisibleStatus(ctx, requested.id, accountId)) ?? requested;
}

/** Takes a favourite back; without one, the status must still be visible. Answers the status. */
export async function unfavouriteStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  if (!isRowId(statusId)) throw notFound();
  const removed = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, statusId);
    const [row] = await tx
      .delete(favourites)
      .where(and(eq(favourites.accountId, accountId), eq(favourites.statusId, statusId)))
      .returning({ id: favourites.id });
    if (row) await recomputeFavouritesCount(tx, statusId);
    return row?.id;
  });
  if (removed) {
    await ctx.db.delete(notifications).where(and(eq(notifications.fromAccountId, accountId), eq(notifications.type, 'favourite'), eq(notifications.statusId, statusId)));
    await deliverFavourite(ctx, 'unlike', accountId, statusId, removed);
  }
  const status = await findVisibleStatus(ctx, statusId, accountId);
  if (!status) throw notFound();
  return status;
}
