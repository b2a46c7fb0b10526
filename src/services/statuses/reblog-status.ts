import { and, eq, isNull, sql } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { notifications, statuses } from '../../db/schema.ts';
import { ApiError } from '../../lib/errors.ts';
import { FeedRemoval } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { notify } from '../notifications/notify.ts';
import { interactionTarget, isBlocking, lockStatus, recomputeReblogsCount, type StatusRow } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';
import { enqueueDistribution, recordPendingDistribution } from '../feeds/pending-distributions.ts';
import { isRowId } from '../../lib/ids.ts';
import { deliverStatus } from '../activitypub/status-deliveries.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';
import { localStatusUri } from '../../lib/actor-naming.ts';

export const REBLOG_VISIBILITIES = ['public', 'unlisted', 'private'] as const;
export type ReblogVisibility = (typeof REBLOG_VISIBILITIES)[number];

export interface Reblogger {
  accountId: string;
  username: string;
  /** whether the member is known by its numeric ActivityPub id (the boost's `uri` follows its scheme) */
  numericApId: boolean;
  /** the member's default post visibility (Mastodon uses it for boosts of public posts) */
  defaultPrivacy: string;
}

export const notAllowed = () => new ApiError(403, 'This action is not allowed');

/** Boosts count in statuses_count, direct ones aside (as Mastodon's Status#increment_counter_caches). */
async function adjustStatusesCount(db: AppContext['db'], accountId: string, visibility: string, delta: 1 | -1) {
  if (visibility === 'direct') return;
  await db.execute(sql`UPDATE accounts SET statuses_count = GREATEST(0, statuses_count + ${delta})
    ${delta > 0 ? sql`, last_status_at = now()` : sql``} WHERE id = ${accountId}`);
}

/**
 * Boosts a status (Mastodon's ReblogService): a statuses row pointing at the original, visible
 * as the original when that is private, else as asked (or the member's default). Boosting a
 * boost boosts its original; boosting twice answers the existing boost. Direct posts and others'
 * private posts cannot be boosted (403, as Mastodon's StatusPolicy#reblog?).
 */
export async function reblogStatus(ctx: AppContext, reblogger: Reblogger, statusId: string, options: { visibility?: string } = {}): Promise<StatusRow> {
  const original = await interactionTarget(ctx, statusId, reblogger.accountId);
  const owned = original.accountId === reblogger.accountId;
  if (['direct', 'limited'].includes(original.visibility) || (original.visibility === 'private' && !owned)) throw notAllowed();
  if (await isBlocking(ctx, reblogger.accountId, original.accountId)) throw notAllowed();

  const existing = await findReblog(ctx, reblogger.accountId, original.id);
  if (existing) return existing;

  let visibility: string;
  if (original.visibility === 'private') visibility = original.visibility;
  else if (options.visibility) {
    if (!(REBLOG_VISIBILITIES as readonly string[]).includes(options.visibility)) throw new ApiError(422, `Validation failed: Visibility is not included in the list`);
    visibility = options.visibility;
  } else visibility = (REBLOG_VISIBILITIES as readonly string[]).includes(reblogger.defaultPrivacy) ? reblogger.defaultPrivacy : 'public';

  const [{ id } = { id: '' }] = await queryRows<{ id: string }>(ctx.db, sql`SELECT timestamp_id()::text AS id`);
  const uri = `${localStatusUri(baseUrl(ctx.config), { ...reblogger, id: reblogger.accountId }, id)}/activity`;
  const created = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, original.id);
    const [row] = await tx.insert(statuses).values({ id, uri, url: uri, accountId: reblogger.accountId, reblogOfId: original.id, visibility, text: '', content: '' }).onConflictDoNothing().returning();
    if (!row) return undefined;
    await recomputeReblogsCount(tx, original.id);
    await adjustStatusesCount(tx, reblogger.accountId, visibility, 1);
    await recordPendingDistribution(tx, row.id);
    return row;
  });
  // a concurrent request made the boost first
  if (!created) return (await findReblog(ctx, reblogger.accountId, original.id))!;

  await forgetAccounts(ctx, [reblogger.accountId]);
  await enqueueDistribution(ctx, created.id);
  await notify(ctx, { recipientId: original.accountId, fromAccountId: reblogger.accountId, type: 'reblog', statusId: original.id });
  return created;
}

async function findReblog(ctx: AppContext, accountId: string, originalId: string): Promise<StatusRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.accountId, accountId), eq(statuses.reblogOfId, originalId), isNull(statuses.deletedAt)))
    .limit(1);
  return row;
}

/**
 * Takes a boost back (Mastodon's ReblogsController#destroy): the boost is deleted and removed from
 * feeds; the answer is the original. Without a boost, the original must still be visible.
 */
export async function unreblogStatus(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  if (!isRowId(statusId)) throw new ApiError(404, 'Record not found');
  const reblog = await findReblog(ctx, accountId, statusId);
  if (!reblog) {
    const original = await findVisibleStatus(ctx, statusId, accountId);
    if (!original) throw new ApiError(404, 'Record not found');
    return original;
  }
  const removed = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, statusId);
    const [row] = await tx
      .update(statuses)
      .set({ deletedAt: new Date() })
      .where(and(eq(statuses.id, reblog.id), isNull(statuses.deletedAt)))
      .returning({ id: statuses.id });
    if (!row) return false;
    await recomputeReblogsCount(tx, statusId);
    await adjustStatusesCount(tx, accountId, reblog.visibility, -1);
    return true;
  });
  if (removed) {
    await forgetAccounts(ctx, [accountId]);
    await enqueue(ctx, FeedRemoval, { statusId: reblog.id });
    await ctx.db.delete(notifications).where(and(eq(notifications.fromAccountId, accountId), eq(notifications.type, 'reblog'), eq(notifications.statusId, statusId)));
    await deliverStatus(ctx, reblog, 'delete');
  }
  const [original] = await ctx.db.select().from(statuses).where(eq(statuses.id, statusId)).limit(1);
  if (!original) throw new ApiError(404, 'Record not found');
  return original;
}
