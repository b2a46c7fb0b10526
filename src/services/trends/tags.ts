import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { tags, tagTrends } from '../../db/schema.ts';
import type { TagRow } from '../statuses/tag-entities.ts';
import { DAY_MS, dayStart, TAG_TREND_OPTIONS, usageScore, usageCandidate, type UsageCandidateRow } from './scoring.ts';
import { idFloor } from '../../lib/ids.ts';
import { trendableCondition, type OffsetPage } from './trendable.ts';

type TagCandidate = UsageCandidateRow;

/**
 * Trends::Tags#refresh: scores the hashtags used today (and those trending) by the distinct accounts
 * using them in public, non-boost statuses of unsilenced accounts, today against yesterday; keeps
 * those whose decaying score is still above the threshold, ranked.
 */
export async function refreshTagTrends(ctx: AppContext, now = new Date()): Promise<void> {
  const today = dayStart(now);
  const yesterday = new Date(today.getTime() - DAY_MS);
  const candidates = await queryRows<TagCandidate>(
    ctx.db,
    sql`WITH usage AS (
          SELECT st.tag_id, s.account_id, s.created_at >= ${today.toISOString()}::timestamptz AS today
            FROM statuses_tags st
            JOIN statuses s ON s.id = st.status_id
            JOIN accounts a ON a.id = s.account_id
           WHERE st.status_id >= ${idFloor(yesterday)}
             AND s.created_at >= ${yesterday.toISOString()}::timestamptz AND s.created_at < ${new Date(today.getTime() + DAY_MS).toISOString()}::timestamptz
             AND s.deleted_at IS NULL AND s.visibility = 'public' AND s.reblog_of_id IS NULL
             AND a.silenced_at IS NULL AND a.suspended_at IS NULL
        ), candidates AS (
          SELECT tag_id FROM usage WHERE today UNION SELECT tag_id FROM tag_trends
        )
        SELECT t.id::text AS id, t.max_score, t.max_score_at,
               (count(DISTINCT u.account_id) FILTER (WHERE u.today))::text AS observed,
               (count(DISTINCT u.account_id) FILTER (WHERE NOT u.today))::text AS expected
          FROM tags t JOIN candidates c ON c.tag_id = t.id LEFT JOIN usage u ON u.tag_id = t.id
         WHERE t.usable
         GROUP BY t.id`,
  );
  const kept: { tagId: string; score: number }[] = [];
  for (const row of candidates) {
    const { newPeak, decayingScore } = usageScore(usageCandidate(row), now, TAG_TREND_OPTIONS);
    if (newPeak) await ctx.db.update(tags).set({ maxScore: newPeak.maxScore, maxScoreAt: newPeak.maxScoreAt }).where(sql`${tags.id} = ${row.id}`);
    if (decayingScore >= TAG_TREND_OPTIONS.decayThreshold) kept.push({ tagId: row.id, score: decayingScore });
  }
  await ctx.db.transaction(async (tx) => {
    if (kept.length === 0) await tx.delete(tagTrends);
    else {
      await tx.delete(tagTrends).where(
        sql`${tagTrends.tagId} NOT IN (${sql.join(
          kept.map((k) => sql`${k.tagId}`),
          sql`, `,
        )})`,
      );
      for (const item of kept) {
        await tx
          .insert(tagTrends)
          .values(item)
          .onConflictDoUpdate({ target: tagTrends.tagId, set: { score: item.score } });
      }
    }
    await tx.execute(sql`UPDATE tag_trends SET rank = r.calculated_rank FROM (SELECT id, row_number() OVER (ORDER BY score DESC) AS calculated_rank FROM tag_trends) r WHERE tag_trends.id = r.id`);
  });
}

/** The trending hashtags staff allowed (or all, when `trendable_by_default`), best first. */
export async function trendingTags(ctx: AppContext, byDefault: boolean, page: OffsetPage): Promise<TagRow[]> {
  const rows = await ctx.db
    .select({ tag: tags })
    .from(tagTrends)
    .innerJoin(tags, sql`${tags.id} = ${tagTrends.tagId}`)
    .where(sql`${tags.usable} AND ${trendableCondition(byDefault, tags.trendable)}`)
    .orderBy(sql`${tagTrends.score} DESC`, sql`${tagTrends.id}`)
    .offset(page.offset)
    .limit(page.limit);
  return rows.map((row) => row.tag);
}

/** Trends::Tags#request_review: unreviewed hashtags scoring above the third allowed one are marked for staff. */
export async function requestTagReviews(ctx: AppContext, byDefault: boolean): Promise<void> {
  if (byDefault) return;
  await ctx.db.execute(sql`
    UPDATE tags SET requested_review_at = now()
      FROM tag_trends tt
     WHERE tt.tag_id = tags.id AND tags.trendable IS NULL AND tags.reviewed_at IS NULL AND tags.requested_review_at IS NULL
       AND tt.score > coalesce((SELECT x.score FROM tag_trends x JOIN tags y ON y.id = x.tag_id WHERE coalesce(y.trendable, FALSE)
                                 ORDER BY x.score DESC OFFSET ${TAG_TREND_OPTIONS.reviewThreshold - 1} LIMIT 1), 0)`);
}
