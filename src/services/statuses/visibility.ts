import { eq, sql, type Placeholder, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context.ts';
import { statuses } from '../../db/schema.ts';
import { isRowId } from '../../lib/ids.ts';

export const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** the columns the rules read, from the statuses table or any alias of it */
type StatusColumns = Record<'id' | 'accountId' | 'visibility' | 'deletedAt', SQLWrapper>;

/**
 * Who may see a status (Mastodon's StatusPolicy#show?), as a SQL condition on a statuses table or
 * alias: the author always; anyone for public and unlisted, unless the author blocks them;
 * followers for private; mentioned accounts for private, direct and limited. Deleted statuses and
 * those of suspended authors are seen by nobody. This is the one place the rule lives: every
 * endpoint, timeline, thread and list goes through it.
 */
export function visibleTo(viewerId: string | Placeholder | null, t: StatusColumns = statuses): SQL {
  const base = sql`${t.deletedAt} IS NULL AND NOT EXISTS (SELECT 1 FROM accounts author WHERE author.id = ${t.accountId} AND author.suspended_at IS NOT NULL)`;
  if (!viewerId) return sql`${base} AND ${t.visibility} IN ('public', 'unlisted')`;
  return sql`${base} AND (
    ${t.accountId} = ${viewerId}
    OR (${t.visibility} IN ('public', 'unlisted')
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${t.accountId} AND b.target_account_id = ${viewerId}))
    OR (${t.visibility} = 'private'
        AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ${viewerId} AND f.target_account_id = ${t.accountId}))
    OR (${t.visibility} IN ('private', 'direct', 'limited')
        AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${t.id} AND m.account_id = ${viewerId}))
  )`;
}

/**
 * What a member chose not to see in timelines and threads (but may still open directly): authors
 * they block or mute, authors who block them, and domains they block.
 */
export function notHiddenFrom(viewerId: string | Placeholder | null, t: Record<'accountId', SQLWrapper> = statuses): SQL {
  if (!viewerId) return sql`TRUE`;
  // one NOT EXISTS per direction: each is a probe of the (account_id, target_account_id) index,
  // where an OR of both may be planned as a scan of blocks for every status
  return sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${viewerId} AND b.target_account_id = ${t.accountId})
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${t.accountId} AND b.target_account_id = ${viewerId})
    AND NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.account_id = ${viewerId} AND mu.target_account_id = ${t.accountId}
                      AND (mu.expires_at IS NULL OR mu.expires_at > now()))
    AND NOT EXISTS (SELECT 1 FROM account_domain_blocks d JOIN accounts a ON a.id = ${t.accountId}
                      WHERE d.account_id = ${viewerId} AND d.domain = a.domain)`;
}

export const reblogOriginals = alias(statuses, 'original');

/** The status with this id if `viewerId` may see it (and, for a reblog, its original too); undefined otherwise. */
export async function findVisibleStatus(ctx: AppContext, id: string, viewerId: string | null) {
  if (!isRowId(id)) return undefined;
  const [row] = await ctx.db
    .select()
    .from(statuses)
    .where(sql`${eq(statuses.id, id)} AND ${visibleTo(viewerId)}`)
    .limit(1);
  if (!row) return undefined;
  if (row.reblogOfId && !(await findVisibleStatus(ctx, row.reblogOfId, viewerId))) return undefined;
  return row;
}
