import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';
import { removeStoredFiles } from '../media/stored-files.ts';
import { purgeStatusMedia } from '../moderation/purge-media.ts';

/*
 * Mastodon's Scheduler::UserCleanupScheduler: sign-ups never confirmed a week after their
 * confirmation mail are removed (their username free again), and statuses deleted 30 days ago are
 * removed for good with their attachments' files (until then they stay, marked deleted). In batches.
 */

export const UNCONFIRMED_ACCOUNTS_MAX_AGE_DAYS = 7;
export const DISCARDED_STATUSES_MAX_AGE_DAYS = 30;
const BATCH = 500;
const DAY_MS = 86_400_000;

/** Resolves how many unconfirmed sign-ups went. */
export async function removeUnconfirmedUsers(ctx: AppContext, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - UNCONFIRMED_ACCOUNTS_MAX_AGE_DAYS * DAY_MS).toISOString();
  let removed = 0;
  for (;;) {
    const rows = await queryRows<{ account_id: string | number }>(
      ctx.db,
      sql`DELETE FROM accounts WHERE id IN (
            SELECT u.account_id FROM users u WHERE u.confirmed_at IS NULL AND u.confirmation_sent_at <= ${cutoff}::timestamptz LIMIT ${BATCH})
          RETURNING id AS account_id`,
    );
    if (rows.length === 0) return removed;
    await forgetAccounts(
      ctx,
      rows.map((row) => String(row.account_id)),
    );
    removed += rows.length;
  }
}

/** Resolves how many deleted statuses were removed for good. */
export async function removeDiscardedStatuses(ctx: AppContext, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - DISCARDED_STATUSES_MAX_AGE_DAYS * DAY_MS).toISOString();
  let removed = 0;
  for (;;) {
    const batch = await queryRows<{ id: string | number; account_id: string | number }>(
      ctx.db,
      sql`SELECT id, account_id FROM statuses WHERE deleted_at <= ${cutoff}::timestamptz ORDER BY id LIMIT ${BATCH}`,
    );
    if (batch.length === 0) return removed;
    const files = await ctx.db.transaction(async (tx) => {
      const files: string[] = [];
      for (const status of batch) files.push(...(await purgeStatusMedia(tx, String(status.id), String(status.account_id))));
      const ids = sql.join(
        batch.map((status) => sql`${String(status.id)}`),
        sql`, `,
      );
      await queryRows(tx, sql`DELETE FROM statuses WHERE id IN (${ids}) AND deleted_at IS NOT NULL`);
      return files;
    });
    await forgetStatusParts(
      ctx,
      batch.map((status) => String(status.id)),
    );
    await removeStoredFiles(ctx, files, { reason: 'deleted status removed for good' });
    removed += batch.length;
  }
}
