import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import { statusPins } from '../db/schema.ts';
import { ApiError, notFound, validationFailed } from '../lib/errors.ts';
import { publishEvent } from './events.ts';
import type { StatusRow } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';

/** How many statuses a local member may pin (Mastodon's StatusPinValidator). */
export const MAX_PINS = 5;

/**
 * Pins one of the member's own public, unlisted or private statuses to their profile (Mastodon's
 * StatusPin validations, with its messages). Pinning a pinned status is a duplicate (422).
 */
export async function pinStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  const status = await findVisibleStatus(ctx, statusId, accountId);
  if (!status) throw notFound();
  const errors: string[] = [];
  if (status.reblogOfId) errors.push('A boost cannot be pinned');
  if (status.accountId !== accountId) errors.push("Someone else's post cannot be pinned");
  if (status.visibility === 'direct') errors.push('Posts that are only visible to mentioned users cannot be pinned');
  await ctx.db.transaction(async (tx) => {
    // serializes a member's concurrent pins so the limit holds
    await tx.execute(sql`SELECT id FROM accounts WHERE id = ${accountId} FOR UPDATE`);
    const [count] = await queryRows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM status_pins WHERE account_id = ${accountId}`);
    if ((count?.n ?? 0) >= MAX_PINS) errors.push('You have already pinned the maximum number of posts');
    if (errors.length > 0) throw validationFailed(errors);
    const [row] = await tx.insert(statusPins).values({ accountId, statusId: status.id }).onConflictDoNothing().returning({ id: statusPins.id });
    if (!row) throw new ApiError(422, 'Duplicate record');
  });
  await publishEvent(ctx, { type: 'pin.created', accountId, statusId: status.id });
  return status;
}

/** Unpins a status (nothing to do when it is not pinned). */
export async function unpinStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  const status = await findVisibleStatus(ctx, statusId, accountId);
  if (!status) throw notFound();
  const [removed] = await ctx.db
    .delete(statusPins)
    .where(and(eq(statusPins.accountId, accountId), eq(statusPins.statusId, status.id)))
    .returning({ id: statusPins.id });
  if (removed) await publishEvent(ctx, { type: 'pin.removed', accountId, statusId: status.id });
  return status;
}
