import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { scheduledStatuses } from '../../db/schema.ts';
import { ApiError, notFound, validationFailed } from '../../lib/errors.ts';
import { parseDateParam } from '../../lib/dates.ts';
import { finishPage, pageCondition, pageOrder, type Page } from '../feeds/pagination.ts';
import { MIN_SCHEDULE_OFFSET_MS } from './post-status.ts';
import { isRowId } from '../../lib/ids.ts';
import type { ScheduledStatusRow } from '../../db/schema.ts';

export type { ScheduledStatusRow };

const DAILY_LIMIT = 25;

/** A member's scheduled statuses, newest id first (Mastodon pages them by id). */
export async function listScheduledStatuses(ctx: AppContext, accountId: string, page: Page): Promise<ScheduledStatusRow[]> {
  const rows = await ctx.db
    .select()
    .from(scheduledStatuses)
    .where(and(eq(scheduledStatuses.accountId, accountId), pageCondition(scheduledStatuses.id, page)))
    .orderBy(pageOrder(scheduledStatuses.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}

/** One of the member's scheduled statuses; 404 for anyone else's. */
export async function findScheduledStatus(ctx: AppContext, accountId: string, id: string): Promise<ScheduledStatusRow> {
  if (!isRowId(id)) throw notFound();
  const [row] = await ctx.db
    .select()
    .from(scheduledStatuses)
    .where(and(eq(scheduledStatuses.id, id), eq(scheduledStatuses.accountId, accountId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

/** Moves a scheduled status (ScheduledStatus' validations: at least five minutes ahead, 25 a day). */
export async function rescheduleStatus(ctx: AppContext, accountId: string, id: string, scheduledAt: string | undefined): Promise<ScheduledStatusRow> {
  const row = await findScheduledStatus(ctx, accountId, id);
  if (scheduledAt === undefined) return row;
  const at = parseDateParam(scheduledAt);
  if (!at) throw new ApiError(422, 'Validation failed: Scheduled at is invalid');
  const errors: string[] = [];
  if (at.getTime() <= Date.now() + MIN_SCHEDULE_OFFSET_MS) errors.push('Scheduled at The scheduled date must be in the future');
  const [day] = await queryRows<{ n: number }>(
    ctx.db,
    sql`SELECT count(*)::int AS n FROM scheduled_statuses
        WHERE account_id = ${accountId} AND id <> ${id} AND scheduled_at::date = ${at.toISOString()}::timestamptz::date`,
  );
  if ((day?.n ?? 0) >= DAILY_LIMIT) errors.push(`You have exceeded the limit of ${DAILY_LIMIT} scheduled posts for today`);
  if (errors.length) throw validationFailed(errors);
  const [updated] = await ctx.db.update(scheduledStatuses).set({ scheduledAt: at }).where(eq(scheduledStatuses.id, row.id)).returning();
  if (!updated) throw notFound();
  return updated;
}

export async function cancelScheduledStatus(ctx: AppContext, accountId: string, id: string) {
  const row = await findScheduledStatus(ctx, accountId, id);
  await ctx.db.delete(scheduledStatuses).where(eq(scheduledStatuses.id, row.id));
}
