import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { reconsiderNotificationRequests } from '../notifications/notification-requests.ts';

/*
 * Mastodon's Scheduler::NotificationsCleanupScheduler (NotificationsCleanupService): of each type, a
 * member keeps at least their newest 20,000 notifications, and any from the last six months; older
 * ones beyond those go. A few members a run, a bounded number of rows each, so that a run is short
 * and the next run goes on; filtered ones update the notification requests they were in.
 */

export interface NotificationsPolicy {
  keepAtLeast: number;
  monthsToKeep: number;
}

export const NOTIFICATIONS_POLICY: NotificationsPolicy = { keepAtLeast: 20_000, monthsToKeep: 6 };
const ACCOUNTS_PER_RUN = 5;
const DELETES_PER_ACCOUNT = 100_000;

/** Resolves how many notifications went. */
export async function cleanUpOldNotifications(ctx: AppContext, policy: NotificationsPolicy = NOTIFICATIONS_POLICY, now = new Date()): Promise<number> {
  const cutoff = new Date(now);
  cutoff.setMonth(cutoff.getMonth() - policy.monthsToKeep);
  const candidates = await queryRows<{ account_id: string | number; type: string }>(
    ctx.db,
    sql`SELECT account_id, type FROM notifications GROUP BY account_id, type
        HAVING count(*) > ${policy.keepAtLeast} AND min(created_at) < ${cutoff.toISOString()}::timestamptz
        ORDER BY account_id, type LIMIT ${ACCOUNTS_PER_RUN}`,
  );
  let removed = 0;
  for (const { account_id: rawAccountId, type } of candidates) {
    const accountId = String(rawAccountId);
    const deleted = await ctx.db.transaction(async (tx) => {
      const rows = await queryRows<{ from_account_id: string | number; filtered: boolean }>(
        tx,
        sql`DELETE FROM notifications WHERE id IN (
              SELECT id FROM notifications
               WHERE account_id = ${accountId} AND type = ${type} AND created_at < ${cutoff.toISOString()}::timestamptz
                 AND id NOT IN (SELECT id FROM notifications WHERE account_id = ${accountId} AND type = ${type}
                                ORDER BY created_at DESC, id DESC LIMIT ${policy.keepAtLeast})
               LIMIT ${DELETES_PER_ACCOUNT})
            RETURNING from_account_id, filtered`,
      );
      await reconsiderNotificationRequests(
        tx,
        rows.map((row) => ({ accountId, fromAccountId: String(row.from_account_id), filtered: row.filtered })),
      );
      return rows.length;
    });
    removed += deleted;
  }
  if (removed) ctx.log.info({ removed }, 'old notifications removed');
  return removed;
}
