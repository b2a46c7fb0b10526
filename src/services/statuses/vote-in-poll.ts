import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { pollVotes, polls } from '../../db/schema.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { notAllowed } from './reblog-status.ts';
import { isBlocking } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';
import { isRowId } from '../../lib/ids.ts';
import { deliverVote } from '../activitypub/status-deliveries.ts';
import type { PollRow } from '../../db/schema.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';

export type { PollRow };

export const isExpired = (poll: PollRow) => !!poll.expiresAt && poll.expiresAt.getTime() <= Date.now();

/** A poll attached to a status the viewer may see (Mastodon's `Poll.attached.find` + `authorize status, :show?`). */
export async function findVisiblePoll(ctx: AppContext, pollId: string, viewerId: string | null): Promise<PollRow> {
  if (!isRowId(pollId)) throw notFound();
  const [poll] = await ctx.db.select().from(polls).where(eq(polls.id, pollId)).limit(1);
  if (!poll?.statusId) throw notFound();
  const status = await findVisibleStatus(ctx, poll.statusId, viewerId);
  if (!status || status.pollId !== poll.id) throw notFound();
  return poll;
}

/** The choices a member made in a poll, in the order made. */
export async function ownVotes(ctx: AppContext, pollId: string, accountId: string | null): Promise<number[] | undefined> {
  if (!accountId) return undefined;
  const rows = await ctx.db
    .select({ choice: pollVotes.choice })
    .from(pollVotes)
    .where(and(eq(pollVotes.pollId, pollId), eq(pollVotes.accountId, accountId)))
    .orderBy(pollVotes.id);
  return rows.map((row) => row.choice);
}

/**
 * Votes in a poll (Mastodon's VoteService and VoteValidator, with their messages): each choice is
 * checked in turn against the poll's end, its options, the author, and earlier votes (one vote in
 * all for a single-choice poll, once per option for a multiple-choice one). The tallies,
 * votes_count and voters_count are recounted under the poll's row lock, so concurrent votes add up.
 */
export async function voteInPoll(ctx: AppContext, accountId: string, pollId: string, choices: string[]): Promise<PollRow> {
  const poll = await findVisiblePoll(ctx, pollId, accountId);
  if (choices.length === 0) return poll;
  if (await isBlocking(ctx, accountId, poll.accountId)) throw notAllowed();

  const updated = await ctx.db.transaction(async (tx) => {
    const [locked] = await tx.select().from(polls).where(eq(polls.id, poll.id)).for('update');
    if (!locked) throw notFound();
    const earlier = new Set(
      (
        await tx
          .select({ choice: pollVotes.choice })
          .from(pollVotes)
          .where(and(eq(pollVotes.pollId, poll.id), eq(pollVotes.accountId, accountId)))
      ).map((row) => row.choice),
    );
    for (const raw of choices) {
      const choice = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
      const errors: string[] = [];
      if (isExpired(locked)) errors.push('The poll has already ended');
      if (!Number.isInteger(choice) || choice < 0 || choice >= locked.options.length) errors.push('The chosen vote option does not exist');
      if (accountId === locked.accountId) errors.push('You cannot vote in your own polls');
      if (locked.multiple ? earlier.has(choice) : earlier.size > 0) errors.push('You have already voted on this poll');
      if (errors.length > 0) throw validationFailed(errors);
      await tx.insert(pollVotes).values({ pollId: poll.id, accountId, choice });
      earlier.add(choice);
    }
    const tallies = await queryRows<{ choice: number; n: number }>(tx, sql`SELECT choice, count(*)::int AS n FROM poll_votes WHERE poll_id = ${poll.id} GROUP BY choice`);
    const cachedTallies = locked.options.map((_, i) => tallies.find((row) => Number(row.choice) === i)?.n ?? 0);
    const [voters] = await queryRows<{ n: number }>(tx, sql`SELECT count(DISTINCT account_id)::int AS n FROM poll_votes WHERE poll_id = ${poll.id}`);
    const [updated] = await tx
      .update(polls)
      .set({ cachedTallies, votesCount: cachedTallies.reduce((a, b) => a + b, 0), votersCount: voters?.n ?? 0, updatedAt: new Date() })
      .where(eq(polls.id, poll.id))
      .returning();
    return updated!;
  });
  await forgetStatusParts(ctx, [updated.statusId]);
  await deliverVote(ctx, accountId, updated);
  return updated;
}
