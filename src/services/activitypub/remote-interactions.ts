import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { accounts, favourites, notifications, pollVotes, polls, statuses } from '../../db/schema.ts';
import { isTombstoned } from './create-remote-status.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { enqueueDistribution, recordPendingDistribution } from '../feeds/pending-distributions.ts';
import { deliverPollResults } from './status-deliveries.ts';
import { lockStatus, recomputeFavouritesCount, recomputeReblogsCount, type StatusRow } from '../statuses/status-interaction-helpers.ts';
import { visibleTo } from '../statuses/visibility.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

/*
 * What remote accounts do to statuses here: boost, favourite, vote. Each is stored once however
 * often the activity arrives, and counted and notified as the same action by a member would be.
 */

async function isVisibleTo(ctx: AppContext, status: StatusRow, accountId: string): Promise<boolean> {
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM statuses WHERE id = ${status.id} AND ${visibleTo(accountId)}`);
  return rows.length > 0;
}

/** Whether a member here follows the account. */
export async function isFollowedLocally(ctx: AppContext, accountId: string): Promise<boolean> {
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ${accountId} AND a.domain IS NULL LIMIT 1`);
  return rows.length > 0;
}

/**
 * A remote account's boost (Mastodon's ActivityPub::Activity::Announce): of a status its author
 * may share (public or unlisted, or the booster's own), once, when the booster has local followers
 * or the status is local; a boost whose Undo or Delete came first is refused. It goes through the
 * fan-out, and a local author is notified.
 */
export async function reblogByRemote(ctx: AppContext, account: AccountRow, original: StatusRow, announce: { uri: string; visibility: string; published: Date | null }): Promise<StatusRow | undefined> {
  if (original.reblogOfId || original.deletedAt) return undefined;
  if (original.accountId !== account.id && !['public', 'unlisted'].includes(original.visibility)) return undefined;
  if (!original.local && !(await isFollowedLocally(ctx, account.id))) return undefined;
  if (await isTombstoned(ctx, announce.uri)) return undefined;
  const [existing] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.accountId, account.id), eq(statuses.reblogOfId, original.id), isNull(statuses.deletedAt)))
    .limit(1);
  if (existing) return existing;
  const published = announce.published && announce.published.getTime() < Date.now() ? announce.published : new Date();
  const visibility = ['public', 'unlisted', 'private'].includes(announce.visibility) ? announce.visibility : 'direct';
  const created = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, original.id);
    const [ids] = await queryRows<{ id: string }>(tx as unknown as Database, sql`SELECT timestamp_id(${published.toISOString()}::timestamptz)::text AS id`);
    const [row] = await tx
      .insert(statuses)
      .values({ id: ids!.id, uri: announce.uri, url: announce.uri, accountId: account.id, reblogOfId: original.id, visibility, local: false, createdAt: published, updatedAt: published })
      .onConflictDoNothing()
      .returning();
    if (!row) return undefined;
    await recomputeReblogsCount(tx, original.id);
    if (visibility !== 'direct')
      await tx
        .update(accounts)
        .set({ statusesCount: sql`${accounts.statusesCount} + 1`, lastStatusAt: sql`now()` })
        .where(eq(accounts.id, account.id));
    await recordPendingDistribution(tx, row.id);
    return row;
  });
  if (!created) return undefined;
  await forgetAccounts(ctx, [account.id]);
  await enqueueDistribution(ctx, created.id);
  await notify(ctx, { recipientId: original.accountId, fromAccountId: account.id, type: 'reblog', statusId: original.id });
  return created;
}

/**
 * A remote account's favourite (Mastodon's ActivityPub::Activity::Like): only of local statuses
 * it may see, once; the author is notified.
 */
export async function favouriteByRemote(ctx: AppContext, account: AccountRow, status: StatusRow): Promise<boolean> {
  if (!status.local || status.reblogOfId || status.deletedAt || !(await isVisibleTo(ctx, status, account.id))) return false;
  const created = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, status.id);
    const [row] = await tx.insert(favourites).values({ accountId: account.id, statusId: status.id }).onConflictDoNothing().returning({ id: favourites.id });
    if (row) await recomputeFavouritesCount(tx, status.id);
    return !!row;
  });
  if (!created) return false;
  await notify(ctx, { recipientId: status.accountId, fromAccountId: account.id, type: 'favourite', statusId: status.id });
  return true;
}

/** Undo of a remote account's Like: the favourite and its notification go. */
export async function unfavouriteByRemote(ctx: AppContext, account: AccountRow, status: StatusRow): Promise<boolean> {
  const removed = await ctx.db.transaction(async (tx) => {
    await lockStatus(tx, status.id);
    const [row] = await tx
      .delete(favourites)
      .where(and(eq(favourites.accountId, account.id), eq(favourites.statusId, status.id)))
      .returning({ id: favourites.id });
    if (row) await recomputeFavouritesCount(tx, status.id);
    return !!row;
  });
  if (!removed) return false;
  await ctx.db.delete(notifications).where(and(eq(notifications.fromAccountId, account.id), eq(notifications.type, 'favourite'), eq(notifications.statusId, status.id)));
  return true;
}

/**
 * A remote account's vote in a local poll (Mastodon's Activity::Create#poll_vote?): a Note named
 * after an option, in reply to the poll. Anything else is `not-a-vote`, for the caller to read as a
 * status. A vote is counted unless the poll ended or (single choice) the account voted already;
 * the new results go out to the poll's audience a little later.
 */
export async function voteByRemote(ctx: AppContext, account: AccountRow, status: StatusRow, optionTitle: string): Promise<'not-a-vote' | 'counted' | 'refused'> {
  if (!status.local || !status.pollId || status.deletedAt) return 'not-a-vote';
  const [current] = await ctx.db.select({ options: polls.options }).from(polls).where(eq(polls.id, status.pollId));
  if (!current?.options.includes(optionTitle)) return 'not-a-vote';
  if (!(await isVisibleTo(ctx, status, account.id))) return 'refused';
  const counted = await ctx.db.transaction(async (tx) => {
    const [poll] = await tx.select().from(polls).where(eq(polls.id, status.pollId!)).for('update');
    if (!poll || (poll.expiresAt && poll.expiresAt.getTime() <= Date.now())) return false;
    const choice = poll.options.indexOf(optionTitle);
    if (choice < 0) return false;
    const earlier = await tx
      .select({ choice: pollVotes.choice })
      .from(pollVotes)
      .where(and(eq(pollVotes.pollId, poll.id), eq(pollVotes.accountId, account.id)));
    if (!poll.multiple && earlier.length > 0) return false;
    const [vote] = await tx.insert(pollVotes).values({ pollId: poll.id, accountId: account.id, choice }).onConflictDoNothing().returning({ id: pollVotes.id });
    if (!vote) return false;
    const tallies = await queryRows<{ choice: number; n: number }>(tx as unknown as Database, sql`SELECT choice, count(*)::int AS n FROM poll_votes WHERE poll_id = ${poll.id} GROUP BY choice`);
    const cachedTallies = poll.options.map((_, i) => tallies.find((row) => Number(row.choice) === i)?.n ?? 0);
    const [voters] = await queryRows<{ n: number }>(tx as unknown as Database, sql`SELECT count(DISTINCT account_id)::int AS n FROM poll_votes WHERE poll_id = ${poll.id}`);
    await tx
      .update(polls)
      .set({ cachedTallies, votesCount: cachedTallies.reduce((a, b) => a + b, 0), votersCount: voters?.n ?? 0, updatedAt: new Date() })
      .where(eq(polls.id, poll.id));
    return true;
  });
  if (!counted) return 'refused';
  await forgetStatusParts(ctx, [status.id]);
  await deliverPollResults(ctx, status);
  return 'counted';
}
