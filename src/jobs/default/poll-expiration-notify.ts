import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { polls } from '../../db/schema.ts';
import { notify } from '../../services/notifications/notify.ts';
import { PollExpirationNotify } from '../definitions.ts';
import { enqueue } from '../enqueue.ts';

/** How far ahead the periodic check enqueues ends (Mastodon's scheduler window). */
const LOOKAHEAD_MS = 5 * 60 * 1000;

/**
 * Tells a poll's local voters and its author that it ended (PollExpirationNotifyWorker), once:
 * a poll not yet ended is left for a later run, and `expiry_notified_at` marks it done. A retry
 * after a crash notifies no one twice (notifications are unique per recipient, type and status).
 */
export async function notifyPollExpiration(ctx: AppContext, data: { pollId: string }) {
  const [poll] = await ctx.db.select().from(polls).where(eq(polls.id, data.pollId)).limit(1);
  if (!poll?.expiresAt || poll.expiryNotifiedAt) return;
  if (poll.expiresAt.getTime() > Date.now()) return;
  const [status] = poll.statusId ? await queryRows<{ deleted: boolean }>(ctx.db, sql`SELECT deleted_at IS NOT NULL AS deleted FROM statuses WHERE id = ${poll.statusId}`) : [];
  if (poll.statusId && status && !status.deleted) {
    const voters = await queryRows<{ account_id: string }>(
      ctx.db,
      sql`SELECT DISTINCT v.account_id::text AS account_id FROM poll_votes v JOIN accounts a ON a.id = v.account_id
          WHERE v.poll_id = ${poll.id} AND a.domain IS NULL AND v.account_id <> ${poll.accountId}`,
    );
    const [author] = await queryRows<{ local: boolean }>(ctx.db, sql`SELECT domain IS NULL AS local FROM accounts WHERE id = ${poll.accountId}`);
    // voters first, then the author, who hears that their own poll ended (a remote poll's author hears it from its own server)
    for (const recipientId of [...voters.map((voter) => voter.account_id), ...(author?.local ? [poll.accountId] : [])]) {
      await notify(ctx, { recipientId, fromAccountId: poll.accountId, type: 'poll', statusId: poll.statusId });
    }
  }
  await ctx.db
    .update(polls)
    .set({ expiryNotifiedAt: new Date() })
    .where(and(eq(polls.id, poll.id), isNull(polls.expiryNotifiedAt)));
}

/**
 * The periodic backstop: polls ending within the next few minutes whose end was not announced get
 * a PollExpirationNotify at their end (one pending job per poll).
 */
export async function enqueueDuePollExpirations(ctx: AppContext) {
  const due = await ctx.db
    .select({ id: polls.id, expiresAt: polls.expiresAt })
    .from(polls)
    .where(and(isNull(polls.expiryNotifiedAt), sql`${polls.statusId} IS NOT NULL`, sql`${polls.expiresAt} <= ${new Date(Date.now() + LOOKAHEAD_MS).toISOString()}::timestamptz`))
    .limit(1000);
  for (const poll of due) {
    const delayMs = Math.max(0, poll.expiresAt!.getTime() - Date.now());
    await enqueue(ctx, PollExpirationNotify, { pollId: poll.id }, { delayMs, uniqueKey: `poll-expiration:${poll.id}` });
  }
}
