import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { statuses, statusTrends } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { notHiddenFrom, visibleTo } from '../statuses/visibility.ts';
import { DAY_MS, STATUS_TREND_OPTIONS, statusScore } from './scoring.ts';
import { idFloor } from '../../lib/ids.ts';
import { trendableCondition, type OffsetPage } from './trendable.ts';

/** Trends::Statuses#eligible?: public, no warning, not sensitive, not a reply, by a discoverable account not silenced. */
const eligible = sql`s.deleted_at IS NULL AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.in_reply_to_id IS NULL
  AND s.spoiler_text = '' AND NOT s.sensitive
  AND a.discoverable IS TRUE AND a.silenced_at IS NULL AND a.suspended_at IS NULL`;

/** statuses boosted and favourited long ago have decayed far below the threshold: only the last two days are scored */
const CANDIDATE_AGE_MS = 2 * DAY_MS;

/**
 * Trends::Statuses#refresh: scores recent eligible statuses by their boosts and favourites (each by a
 * distinct account), decaying by half every two hours from their creation, and keeps those above the
 * threshold, ranked per language.
 */
export async function refreshStatusTrends(ctx: AppContext, now = new Date()): Promise<void> {
  const since = new Date(now.getTime() - CANDIDATE_AGE_MS);
  const candidates = await queryRows<{ id: string; account_id: string; language: string | null; created_at: Date | string; engagement: string; eligible: boolean }>(
    ctx.db,
    // the recent statuses (a primary key range) and those already trending, each found by an index
    sql`SELECT s.id::text AS id, s.account_id::text AS account_id, s.language, s.created_at,
               (s.reblogs_count + s.favourites_count)::text AS engagement, (${eligible}) AS eligible
          FROM (SELECT id FROM statuses
                 WHERE id >= ${idFloor(since)} AND visibility = 'public' AND reblog_of_id IS NULL AND deleted_at IS NULL
                   AND reblogs_count + favourites_count >= ${STATUS_TREND_OPTIONS.threshold}
                UNION SELECT status_id FROM status_trends) c
          JOIN statuses s ON s.id = c.id JOIN accounts a ON a.id = s.account_id`,
  );
  const kept = candidates
    .map((row) => ({ row, score: row.eligible ? statusScore(Number(row.engagement), new Date(row.created_at), now) : 0 }))
    .filter(({ score }) => score >= STATUS_TREND_OPTIONS.decayThreshold);
  await ctx.db.transaction(async (tx) => {
    if (kept.length === 0) await tx.delete(statusTrends);
    else {
      await tx.delete(statusTrends).where(
        sql`${statusTrends.statusId} NOT IN (${sql.join(
          kept.map((k) => sql`${k.row.id}`),
          sql`, `,
        )})`,
      );
      for (const { row, score } of kept) {
        await tx
          .insert(statusTrends)
          .values({ statusId: row.id, accountId: row.account_id, score, language: row.language })
          .onConflictDoUpdate({ target: statusTrends.statusId, set: { score, language: row.language } });
      }
    }
    await tx.execute(
      sql`UPDATE status_trends SET rank = r.calculated_rank FROM (SELECT id, row_number() OVER (PARTITION BY language ORDER BY score DESC) AS calculated_rank FROM status_trends) r WHERE status_trends.id = r.id`,
    );
  });
}

/**
 * The trending statuses staff allowed (a status's own decision, else its account's, else
 * `trendable_by_default`), one per author, that the viewer may see and has not hidden; best first.
 */
export async function trendingStatuses(ctx: AppContext, byDefault: boolean, viewerId: string | null, page: OffsetPage): Promise<StatusRow[]> {
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`SELECT id::text AS id FROM (
          SELECT DISTINCT ON (st.account_id) st.status_id AS id, st.score
            FROM status_trends st
            JOIN statuses ON statuses.id = st.status_id
            JOIN accounts a ON a.id = st.account_id
           WHERE ${trendableCondition(byDefault, statuses.trendable, sql`a.trendable`)}
             AND ${visibleTo(viewerId)} AND ${notHiddenFrom(viewerId)}
           ORDER BY st.account_id, st.score DESC
        ) best ORDER BY score DESC, id DESC OFFSET ${page.offset} LIMIT ${page.limit}`,
  );
  if (rows.length === 0) return [];
  const found = await ctx.db
    .select()
    .from(statuses)
    .where(
      sql`${statuses.id} IN (${sql.join(
        rows.map((row) => sql`${row.id}`),
        sql`, `,
      )})`,
    );
  const byId = new Map(found.map((row) => [row.id, row]));
  return rows.map((row) => byId.get(String(row.id))).filter((row): row is StatusRow => !!row);
}

/** Trends::Statuses#request_review: authors of unreviewed statuses scoring above the third allowed one are marked for staff. */
export async function requestStatusReviews(ctx: AppContext, byDefault: boolean): Promise<void> {
  if (byDefault) return;
  await ctx.db.execute(sql`
    UPDATE accounts SET requested_review_at = now()
      FROM status_trends st JOIN statuses s ON s.id = st.status_id
     WHERE st.account_id = accounts.id AND s.trendable IS NULL AND accounts.trendable IS NULL
       AND accounts.reviewed_at IS NULL AND accounts.requested_review_at IS NULL
       AND st.score > coalesce((SELECT x.score FROM status_trends x JOIN statuses y ON y.id = x.status_id JOIN accounts z ON z.id = x.account_id
                                 WHERE coalesce(y.trendable, z.trendable, FALSE) AND x.language IS NOT DISTINCT FROM st.language
                                 ORDER BY x.score DESC OFFSET ${STATUS_TREND_OPTIONS.reviewThreshold - 1} LIMIT 1), 0)`);
}
