import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, previewCards, previewCardShares, previewCardsStatuses, previewCardTrends, statuses } from '../../db/schema.ts';
import type { PreviewCardRow } from '../../serializers/preview-card.ts';
import { isLanguageCode } from '../statuses/languages.ts';
import { DAY_MS, dayStart, LINK_TREND_OPTIONS, usageScore, usageCandidate, type UsageCandidateRow } from './scoring.ts';
import { idFloor } from '../../lib/ids.ts';
import { trendableCondition, type OffsetPage } from './trendable.ts';
import { providerTrendable, recordProviders } from './providers.ts';

/** PreviewCard#appropriate_for_trends?: an article with a title, a description, an image and its site's name. */
function appropriateForTrends(card: PreviewCardRow): boolean {
  return card.type === 'link' && card.linkType === 'article' && !!card.title && !!card.description && !!card.imageFileKey && !!card.providerName;
}

async function statusWithAuthor(ctx: AppContext, statusId: string) {
  const [row] = await ctx.db
    .select({ status: statuses, silencedAt: accounts.silencedAt })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, statusId), isNull(statuses.deletedAt)));
  return row && row.status.visibility === 'public' && !row.silencedAt ? row.status : undefined;
}

/**
 * Trends::Links#register: a public status (or a public boost of one) without a content warning, by
 * unsilenced accounts, shares the card of the original when that card may trend; the sharer counts
 * towards the card's history. Called when a card is attached to a status and when a status is boosted.
 */
export async function registerStatusLink(ctx: AppContext, statusId: string): Promise<void> {
  const share = await statusWithAuthor(ctx, statusId);
  if (!share) return;
  const original = share.reblogOfId ? await statusWithAuthor(ctx, share.reblogOfId) : share;
  if (original?.spoilerText !== '' || original.sensitive) return;
  const [attached] = await ctx.db
    .select({ card: previewCards })
    .from(previewCardsStatuses)
    .innerJoin(previewCards, eq(previewCards.id, previewCardsStatuses.previewCardId))
    .where(eq(previewCardsStatuses.statusId, original.id))
    .limit(1);
  if (!attached || !appropriateForTrends(attached.card)) return;
  await ctx.db.insert(previewCardShares).values({ previewCardId: attached.card.id, statusId: share.id, accountId: share.accountId, createdAt: share.createdAt }).onConflictDoNothing();
}

/** Mastodon keeps link trend data only for its window: a week, the length of a link's history */
const SHARES_KEPT_MS = 7 * DAY_MS;

interface LinkCandidate extends UsageCandidateRow {
  language: string | null;
}

/**
 * Trends::Links#refresh: as for hashtags, by the distinct accounts sharing a card today against
 * yesterday; peaks decay over 8 hours. A card in no language Mastodon knows scores nothing.
 */
export async function refreshLinkTrends(ctx: AppContext, now = new Date()): Promise<void> {
  const today = dayStart(now);
  const yesterday = new Date(today.getTime() - DAY_MS);
  // shares older than the week of history are no longer used (status ids are time-ordered: an index range)
  await ctx.db.execute(sql`DELETE FROM preview_card_shares WHERE status_id < ${idFloor(new Date(today.getTime() - SHARES_KEPT_MS))}`);
  const candidates = await queryRows<LinkCandidate>(
    ctx.db,
    sql`WITH usage AS (
          SELECT sh.preview_card_id, sh.account_id, sh.created_at >= ${today.toISOString()}::timestamptz AS today
            FROM preview_card_shares sh JOIN accounts a ON a.id = sh.account_id JOIN statuses s ON s.id = sh.status_id AND s.deleted_at IS NULL
           WHERE sh.status_id >= ${idFloor(yesterday)}
             AND sh.created_at >= ${yesterday.toISOString()}::timestamptz AND sh.created_at < ${new Date(today.getTime() + DAY_MS).toISOString()}::timestamptz
             AND a.silenced_at IS NULL AND a.suspended_at IS NULL
        ), candidates AS (
          SELECT preview_card_id FROM usage WHERE today UNION SELECT preview_card_id FROM preview_card_trends
        )
        SELECT c.id::text AS id, c.language, c.max_score, c.max_score_at,
               (count(DISTINCT u.account_id) FILTER (WHERE u.today))::text AS observed,
               (count(DISTINCT u.account_id) FILTER (WHERE NOT u.today))::text AS expected
          FROM preview_cards c JOIN candidates k ON k.preview_card_id = c.id LEFT JOIN usage u ON u.preview_card_id = c.id
         GROUP BY c.id`,
  );
  const kept: { previewCardId: string; score: number; language: string | null }[] = [];
  for (const row of candidates) {
    const { newPeak, decayingScore } = usageScore(usageCandidate(row), now, LINK_TREND_OPTIONS);
    if (newPeak) await ctx.db.update(previewCards).set({ maxScore: newPeak.maxScore, maxScoreAt: newPeak.maxScoreAt }).where(eq(previewCards.id, row.id));
    const score = row.language && isLanguageCode(row.language) ? decayingScore : 0;
    if (score >= LINK_TREND_OPTIONS.decayThreshold) kept.push({ previewCardId: row.id, score, language: row.language });
  }
  await recordProviders(
    ctx,
    kept.map((item) => item.previewCardId),
  );
  await ctx.db.transaction(async (tx) => {
    if (kept.length === 0) await tx.delete(previewCardTrends);
    else {
      await tx.delete(previewCardTrends).where(
        sql`${previewCardTrends.previewCardId} NOT IN (${sql.join(
          kept.map((k) => sql`${k.previewCardId}`),
          sql`, `,
        )})`,
      );
      for (const item of kept) {
        await tx
          .insert(previewCardTrends)
          .values(item)
          .onConflictDoUpdate({ target: previewCardTrends.previewCardId, set: { score: item.score, language: item.language } });
      }
    }
    await tx.execute(
      sql`UPDATE preview_card_trends SET rank = r.calculated_rank FROM (SELECT id, row_number() OVER (PARTITION BY language ORDER BY score DESC) AS calculated_rank FROM preview_card_trends) r WHERE preview_card_trends.id = r.id`,
    );
  });
}

export async function trendingLinks(ctx: AppContext, byDefault: boolean, page: OffsetPage): Promise<PreviewCardRow[]> {
  const rows = await ctx.db
    .select({ card: previewCards })
    .from(previewCardTrends)
    .innerJoin(previewCards, eq(previewCards.id, previewCardTrends.previewCardId))
    .where(trendableCondition(byDefault, previewCards.trendable, providerTrendable(previewCards.url)))
    .orderBy(sql`${previewCardTrends.score} DESC`, sql`${previewCardTrends.id}`)
    .offset(page.offset)
    .limit(page.limit);
  return rows.map((row) => row.card);
}

/** The card with this URL if it trends and may be shown (the link timeline's card). */
export async function trendingLinkByUrl(ctx: AppContext, byDefault: boolean, url: string): Promise<PreviewCardRow | undefined> {
  const [row] = await ctx.db
    .select({ card: previewCards })
    .from(previewCardTrends)
    .innerJoin(previewCards, eq(previewCards.id, previewCardTrends.previewCardId))
    .where(sql`${previewCards.url} = ${url} AND ${trendableCondition(byDefault, previewCards.trendable, providerTrendable(previewCards.url))}`)
    .limit(1);
  return row?.card;
}

/** Shares of each card per day over the last week, newest day first (as a hashtag's history). */
export async function linkHistories(ctx: AppContext, cardIds: string[]) {
  const today = dayStart(new Date()).getTime() / 1000;
  const days = Array.from({ length: 7 }, (_, i) => today - i * 86_400);
  const histories = new Map(cardIds.map((id) => [id, days.map((day) => ({ day: String(day), accounts: '0', uses: '0' }))]));
  if (cardIds.length === 0) return histories;
  const rows = await queryRows<{ preview_card_id: string; day: string; uses: string; accounts: string }>(
    ctx.db,
    sql`SELECT sh.preview_card_id::text AS preview_card_id, (floor(extract(epoch FROM sh.created_at) / 86400) * 86400)::bigint::text AS day,
               count(*)::text AS uses, count(DISTINCT sh.account_id)::text AS accounts
          FROM preview_card_shares sh JOIN statuses s ON s.id = sh.status_id AND s.deleted_at IS NULL
         WHERE sh.preview_card_id IN (${sql.join(
           cardIds.map((id) => sql`${id}`),
           sql`, `,
         )}) AND sh.created_at >= to_timestamp(${days[6]!})
         GROUP BY 1, 2`,
  );
  for (const row of rows) {
    const entry = histories.get(String(row.preview_card_id))?.find((h) => h.day === String(row.day));
    if (entry) Object.assign(entry, { uses: String(row.uses), accounts: String(row.accounts) });
  }
  return histories;
}
