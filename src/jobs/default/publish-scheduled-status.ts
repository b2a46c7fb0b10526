import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { scheduledStatuses } from '../../db/schema.ts';
import { mentionedAccountResolver } from '../../federation/resolve-account.ts';
import { ApiError } from '../../lib/errors.ts';
import { inputFromScheduledParams, loadAuthor, postStatus } from '../../services/statuses/post-status.ts';

/** A job may run this early (clock drift between the scheduler and the queue). */
const EARLY_SLACK_MS = 5_000;

/**
 * Publishes a scheduled status (PublishScheduledStatusWorker): takes the row (so only one run
 * publishes it), then posts its params as its author, without rate limit or schedule. A row gone
 * means it was published or cancelled; one moved later waits for a later run. If posting fails for
 * a reason other than the params (which Mastodon drops), the row is put back for the retry.
 */
export async function publishScheduledStatus(ctx: AppContext, data: { scheduledStatusId: string }) {
  const [row] = await ctx.db.select().from(scheduledStatuses).where(eq(scheduledStatuses.id, data.scheduledStatusId)).limit(1);
  if (!row || row.scheduledAt.getTime() > Date.now() + EARLY_SLACK_MS) return;
  const [taken] = await ctx.db.delete(scheduledStatuses).where(eq(scheduledStatuses.id, row.id)).returning();
  if (!taken) return;
  const author = await loadAuthor(ctx, taken.accountId);
  if (!author || author.account.suspendedAt) return;
  try {
    // a retry after the status was written but before the job finished finds it by this key instead of posting twice
    await postStatus(
      ctx,
      author,
      { ...inputFromScheduledParams(taken.params), scheduledAt: null, idempotencyKey: `scheduled-${taken.id}`, withRateLimit: false },
      {
        resolveAccount: mentionedAccountResolver(ctx),
      },
    );
  } catch (error) {
    if (error instanceof ApiError && error.statusCode < 500) {
      ctx.log.info({ scheduledStatusId: taken.id, error: error.message }, 'scheduled status could not be published');
      return;
    }
    await ctx.db.insert(scheduledStatuses).values(taken).onConflictDoNothing();
    throw error;
  }
}
