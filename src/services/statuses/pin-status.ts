import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { featuredTags, statusPins } from '../../db/schema.ts';
import { DeliverFeatured } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { findOrCreateTag, findTagByName } from './tag-entities.ts';
import type { StatusRow } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';
import { INSTANCE_LIMITS } from '../../lib/instance-limits.ts';

/** How many statuses a local member may pin (Mastodon's StatusPinValidator). */
export const MAX_PINS = INSTANCE_LIMITS.accounts.max_pinned_statuses;

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
  await deliverFeatured(ctx, 'add', accountId, status);
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
  if (removed) {
    await deliverFeatured(ctx, 'remove', accountId, status);
  }
  return status;
}

/**
 * A member's pin or unpin goes to the followers' servers as Add or Remove (the pins controller's
 * ActivityPub::RawDistributionWorker); the pin stands even when the queue is away.
 */
async function deliverFeatured(ctx: AppContext, action: 'add' | 'remove', accountId: string, status: StatusRow): Promise<void> {
  if (!status.local) return;
  try {
    await enqueue(ctx, DeliverFeatured, { action, accountId, statusId: status.id });
  } catch (error) {
    ctx.log.warn({ err: error, statusId: status.id }, `could not enqueue the ${action} of a pin`);
  }
}

/** A remote account's Add of one of its own statuses to its featured collection (Mastodon's ActivityPub::Activity::Add#add_featured). */
export async function pinByRemote(ctx: AppContext, account: AccountRow, status: Pick<StatusRow, 'id' | 'accountId' | 'reblogOfId'>): Promise<boolean> {
  if (account.domain === null || status.accountId !== account.id || status.reblogOfId) return false;
  const [row] = await ctx.db.insert(statusPins).values({ accountId: account.id, statusId: status.id }).onConflictDoNothing().returning({ id: statusPins.id });
  return !!row;
}

/** A remote account's Remove of one of its statuses from its featured collection (ActivityPub::Activity::Remove#remove_featured). */
export async function unpinByRemote(ctx: AppContext, account: AccountRow, status: Pick<StatusRow, 'id' | 'accountId'>): Promise<boolean> {
  if (account.domain === null || status.accountId !== account.id) return false;
  const removed = await ctx.db
    .delete(statusPins)
    .where(and(eq(statusPins.accountId, account.id), eq(statusPins.statusId, status.id)))
    .returning({ id: statusPins.id });
  return removed.length > 0;
}

/** A remote account's Add or Remove of a Hashtag in its featured collection: its featured tags (Mastodon's add_featured_tags, remove_featured_tags). */
export async function featureTagByRemote(ctx: AppContext, account: AccountRow, name: string, featured: boolean): Promise<void> {
  if (account.domain === null) return;
  const clean = name.trim().replace(/^#/, '');
  if (!clean) return;
  if (featured) {
    const tag = await findOrCreateTag(ctx, clean);
    if (tag) await ctx.db.insert(featuredTags).values({ accountId: account.id, tagId: tag.id }).onConflictDoNothing();
    return;
  }
  const tag = await findTagByName(ctx, clean);
  if (tag) await ctx.db.delete(featuredTags).where(and(eq(featuredTags.accountId, account.id), eq(featuredTags.tagId, tag.id)));
}
