import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { purgeStatusMedia } from '../moderation/purge-media.ts';
import { removeStoredFiles } from '../media/stored-files.ts';

/*
 * tootctl statuses remove: other servers' statuses older than N days that nobody here follows the
 * author of (or of a reblog of them) or did anything with (favourite, bookmark, reblog, reply, pin,
 * mention of a member, a report) are deleted from the database, with their attachments' files and
 * other strangers' reblogs of them. Walked in id order.
 */

const LOCAL = sql`(SELECT a.id FROM accounts a WHERE a.domain IS NULL)`;
const FOLLOWED = sql`(SELECT f.target_account_id FROM follows f WHERE f.account_id IN ${LOCAL})`;

/**
 * Whether a remote status is past `cutoff` and unreferenced here; with `keepFollowed` (tootctl's,
 * the default) the statuses of authors a member follows count as referenced too (the content
 * retention vacuum removes those as well).
 */
export interface UnreferencedOptions {
  keepFollowed?: boolean;
}

function unreferenced(cutoff: Date, { keepFollowed = true }: UnreferencedOptions = {}) {
  return sql`s.local = false AND s.created_at < ${cutoff.toISOString()}::timestamptz
    ${keepFollowed ? sql`AND s.account_id NOT IN ${FOLLOWED}` : sql``}
    AND NOT EXISTS (SELECT 1 FROM favourites x WHERE x.status_id = s.id AND x.account_id IN ${LOCAL})
    AND NOT EXISTS (SELECT 1 FROM bookmarks x WHERE x.status_id = s.id AND x.account_id IN ${LOCAL})
    AND NOT EXISTS (SELECT 1 FROM status_pins x WHERE x.status_id = s.id)
    AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id IN ${LOCAL})
    AND NOT EXISTS (SELECT 1 FROM statuses r WHERE (r.reblog_of_id = s.id OR r.in_reply_to_id = s.id) AND r.local)
    ${keepFollowed ? sql`AND NOT EXISTS (SELECT 1 FROM statuses r WHERE r.reblog_of_id = s.id AND r.account_id IN ${FOLLOWED})` : sql``}
    AND NOT EXISTS (SELECT 1 FROM reports p WHERE s.id = ANY(p.status_ids))`;
}

export async function countUnreferencedStatuses(ctx: AppContext, cutoff: Date): Promise<number> {
  const [row] = await queryRows<{ count: number }>(ctx.db, sql`SELECT count(*)::int AS count FROM statuses s WHERE ${unreferenced(cutoff)}`);
  return Number(row!.count);
}

export async function unreferencedStatusesAfter(
  ctx: AppContext,
  cutoff: Date,
  afterId: string | undefined,
  limit: number,
  options: UnreferencedOptions = {},
): Promise<{ id: string; accountId: string }[]> {
  const rows = await queryRows<{ id: string | number; account_id: string | number }>(
    ctx.db,
    sql`SELECT s.id, s.account_id FROM statuses s WHERE ${unreferenced(cutoff, options)} ${afterId ? sql`AND s.id > ${afterId}` : sql``} ORDER BY s.id LIMIT ${limit}`,
  );
  return rows.map((row) => ({ id: String(row.id), accountId: String(row.account_id) }));
}

/** Deletes the statuses (their attachments' rows and files too); resolves how many went. */
export async function removeStatuses(ctx: AppContext, statuses: { id: string; accountId: string }[]): Promise<number> {
  if (statuses.length === 0) return 0;
  const { files, removed } = await ctx.db.transaction(async (tx) => {
    const files: string[] = [];
    for (const status of statuses) files.push(...(await purgeStatusMedia(tx, status.id, status.accountId)));
    const ids = sql.join(
      statuses.map((status) => sql`${status.id}`),
      sql`, `,
    );
    // other servers' reblogs of them go too: nothing would be left for them to show
    await queryRows(tx, sql`DELETE FROM statuses WHERE reblog_of_id IN (${ids}) AND local = false`);
    const deleted = await queryRows<{ id: string }>(tx, sql`DELETE FROM statuses WHERE id IN (${ids}) AND local = false RETURNING id`);
    return { files, removed: deleted.length };
  });
  await removeStoredFiles(ctx, files, { reason: 'unreferenced remote status removed' });
  return removed;
}
