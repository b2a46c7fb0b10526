import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, type StatusRow, statuses } from '../../db/schema.ts';
import { notify } from './notify.ts';

/** Local accounts that boosted the status hear that it was edited (FanOutOnWriteService#notify_about_update!). */
export async function notifyRebloggersOfEdit(ctx: AppContext, status: StatusRow): Promise<void> {
  const rows = await ctx.db
    .selectDistinct({ accountId: statuses.accountId })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.reblogOfId, status.id), isNull(statuses.deletedAt), isNull(accounts.domain)));
  for (const row of rows) await notify(ctx, { recipientId: row.accountId, fromAccountId: status.accountId, type: 'update', statusId: status.id });
}
