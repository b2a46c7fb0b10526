import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, linkTrends, statuses, trendLinks, trendLinkShares } from '../../db/schema.ts';
import { DAY_MS, dayStart, LINK_TREND_OPTIONS, usageScore } from './scoring.ts';
import { idFloor } from '../../lib/ids.ts';
import { trendableCondition, type OffsetPage } from './trendable.ts';

export type TrendLinkRow = typeof trendLinks.$inferSelect;

const ANCHOR = /<a\s([^>]*)>([\s\S]*?)<\/a>/gi;

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(attributes);
  return match ? (match[1] ?? match[2]) : undefined;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The link a status would get its preview card for (FetchLinkCardService): the first http(s) link
 * that is not a mention or a hashtag, in the rendered HTML.
 */
export function firstLink(html: string): URL | undefined {
  for (const [, attributes = '', inner = ''] of html.matchAll(ANCHOR)) {
    const classes = (attribute(attributes, 'class') ?? '').split(/\s+/);
    const rel = (attribute(attributes, 'rel') ?? '').split(/\s+/);
    if (classes.includes('mention') || classes.includes('hashtag') || rel.includes('tag')) continue;
    const text = decodeEntities(inner.replace(/<[^>]*>/g, '')).trim();
    if (text.startsWith('#') || text.startsWith('@')) continue;
    const href = attribute(attributes, 'href');
    if (!href) continue;
    try {
      const url = new URL(decodeEntities(href));
      if (url.protocol === 'http:' || url.protocol === 'https:') return url;
    } catch {
      // not a URL: look at the next link
    }
  }
  return undefined;
}

/**
 * Trends::Links#register: a public status (or a public boost of one) without a content warning, by
 * unsilenced accounts, shares its first link; the sharer counts towards the link's history.
 */
export async function registerStatusLinks(ctx: AppContext, statusId: string): Promise<void> {
  const [share] = await ctx.db
    .select({ status: statuses, silencedAt: accounts.silencedAt })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(eq(statuses.id, statusId));
  if (!share || share.status.deletedAt || share.status.visibility !== 'public' || share.silencedAt) return;
  let original = share.status;
  if (share.status.reblogOfId) {
    const [row] = await ctx.db
      .select({ status: statuses, silencedAt: accounts.silencedAt })
      .from(statuses)
      .innerJoin(accounts, eq(accounts.id, statuses.accountId))
      .where(eq(statuses.id, share.status.reblogOfId));
    if (!row || row.status.deletedAt || row.status.visibility !== 'public' || row.silencedAt) return;
    original = row.status;
  }
  if (original.spoilerText !== '' || original.sensitive) return;
  const url = firstLink(original.content);
  if (!url) return;
  url.hash = '';
  await ctx.db
    .insert(trendLinks)
    .values({ url: url.href, domain: url.hostname.toLowerCase(), language: original.language })
    .onConflictDoNothing();
  const [link] = await ctx.db.select({ id: trendLinks.id }).from(trendLinks).where(eq(trendLinks.url, url.href));
  if (!link) return;
  await ctx.db
    .insert(trendLinkShares)
    .values({ linkId: link.id, statusId: share.status.id, accountId: share.status.accountId, createdAt: share.status.createdAt })
    .onConflictDoNothing();
}

/** Mastodon keeps link trend data only for its window: a week, the length of a link's history */
const SHARES_KEPT_MS = 7 * DAY_MS;

interface LinkCandidate {
  id: string;
  language: string | null;
  max_score: number | null;
  max_score_at: Date | string | null;
  observed: string;
  expected: string;
}

/** Trends::Links#refresh: as for hashtags, by the distinct accounts sharing a link today against yesterday; peaks decay over 8 hours. */
export async function refreshLinkTrends(ctx: AppContext, now = new Date()): Promise<void> {
  const today = dayStart(now);
  const yesterday = new Date(today.getTime() - DAY_MS);
  // shares older than the week of history are no longer used (status ids are time-ordered: an index range)
  await ctx.db.execute(sql`DELETE FROM trend_link_shares WHERE status_id < ${idFloor(new Date(today.getTime() - SHARES_KEPT_MS))}`);
  const candidates = await queryRows<LinkCandidate>(
    ctx.db,
    sql`WITH usage AS (
          SELECT sh.link_id, sh.account_id, sh.created_at >= ${today.toISOString()}::timestamptz AS today
            FROM trend_link_shares sh JOIN accounts a ON a.id = sh.account_id JOIN statuses s ON s.id = sh.status_id AND s.deleted_at IS NULL
           WHERE sh.status_id >= ${idFloor(yesterday)}
             AND sh.created_at >= ${yesterday.toISOString()}::timestamptz AND sh.created_at < ${new Date(today.getTime() + DAY_MS).toISOString()}::timestamptz
             AND a.silenced_at IS NULL AND a.suspended_at IS NULL
        ), candidates AS (
          SELECT link_id FROM usage WHERE today UNION SELECT link_id FROM link_trends
        )
        SELECT l.id::text AS id, l.language, l.max_score, l.max_score_at,
               (count(DISTINCT u.account_id) FILTER (WHERE u.today))::text AS observed,
               (count(DISTINCT u.account_id) FILTER (WHERE NOT u.today))::text AS expected
          FROM trend_links l JOIN candidates c ON c.link_id = l.id LEFT JOIN usage u ON u.link_id = l.id
         GROUP BY l.id`,
  );
  const kept: { linkId: string; score: number; language: string | null }[] = [];
  for (const row of candidates) {
    const { newPeak, decayingScore } = usageScore(
      { observed: Number(row.observed), expected: Number(row.expected), maxScore: row.max_score === null ? null : Number(row.max_score), maxScoreAt: row.max_score_at ? new Date(row.max_score_at) : null },
      now,
      LINK_TREND_OPTIONS,
    );
    if (newPeak) await ctx.db.update(trendLinks).set({ maxScore: newPeak.maxScore, maxScoreAt: newPeak.maxScoreAt }).where(eq(trendLinks.id, row.id));
    if (decayingScore >= LINK_TREND_OPTIONS.decayThreshold) kept.push({ linkId: row.id, score: decayingScore, language: row.language });
  }
  await ctx.db.transaction(async (tx) => {
    if (kept.length === 0) await tx.delete(linkTrends);
    else {
      await tx.delete(linkTrends).where(sql`${linkTrends.linkId} NOT IN (${sql.join(kept.map((k) => sql`${k.linkId}`), sql`, `)})`);
      for (const item of kept) {
        await tx.insert(linkTrends).values(item).onConflictDoUpdate({ target: linkTrends.linkId, set: { score: item.score, language: item.language } });
      }
    }
    await tx.execute(sql`UPDATE link_trends SET rank = r.calculated_rank FROM (SELECT id, row_number() OVER (PARTITION BY language ORDER BY score DESC) AS calculated_rank FROM link_trends) r WHERE link_trends.id = r.id`);
  });
}

export async function trendingLinks(ctx: AppContext, byDefault: boolean, page: OffsetPage): Promise<TrendLinkRow[]> {
  const rows = await ctx.db
    .select({ link: trendLinks })
    .from(linkTrends)
    .innerJoin(trendLinks, eq(trendLinks.id, linkTrends.linkId))
    .where(trendableCondition(byDefault, trendLinks.trendable))
    .orderBy(sql`${linkTrends.score} DESC`, sql`${linkTrends.id}`)
    .offset(page.offset)
    .limit(page.limit);
  return rows.map((row) => row.link);
}

/** The link with this URL if it trends and may be shown. */
export async function trendingLinkByUrl(ctx: AppContext, byDefault: boolean, url: string): Promise<TrendLinkRow[]> {
  const rows = await ctx.db
    .select({ link: trendLinks })
    .from(linkTrends)
    .innerJoin(trendLinks, eq(trendLinks.id, linkTrends.linkId))
    .where(sql`${trendLinks.url} = ${url} AND ${trendableCondition(byDefault, trendLinks.trendable)}`)
    .limit(1);
  return rows.map((row) => row.link);
}

export async function requestLinkReviews(ctx: AppContext, byDefault: boolean): Promise<void> {
  if (byDefault) return;
  await ctx.db.execute(sql`
    UPDATE trend_links SET requested_review_at = now()
      FROM link_trends lt
     WHERE lt.link_id = trend_links.id AND trend_links.trendable IS NULL AND trend_links.reviewed_at IS NULL AND trend_links.requested_review_at IS NULL
       AND lt.score > coalesce((SELECT x.score FROM link_trends x JOIN trend_links y ON y.id = x.link_id
                                 WHERE coalesce(y.trendable, FALSE) AND x.language IS NOT DISTINCT FROM lt.language
                                 ORDER BY x.score DESC OFFSET ${LINK_TREND_OPTIONS.reviewThreshold - 1} LIMIT 1), 0)`);
}

/** Shares of each link per day over the last week, newest day first (as a hashtag's history). */
async function linkHistories(ctx: AppContext, linkIds: string[]) {
  const today = dayStart(new Date()).getTime() / 1000;
  const days = Array.from({ length: 7 }, (_, i) => today - i * 86_400);
  const histories = new Map(linkIds.map((id) => [id, days.map((day) => ({ day: String(day), accounts: '0', uses: '0' }))]));
  if (linkIds.length === 0) return histories;
  const rows = await queryRows<{ link_id: string; day: string; uses: string; accounts: string }>(
    ctx.db,
    sql`SELECT sh.link_id::text AS link_id, (floor(extract(epoch FROM sh.created_at) / 86400) * 86400)::bigint::text AS day,
               count(*)::text AS uses, count(DISTINCT sh.account_id)::text AS accounts
          FROM trend_link_shares sh JOIN statuses s ON s.id = sh.status_id AND s.deleted_at IS NULL
         WHERE sh.link_id IN (${sql.join(linkIds.map((id) => sql`${id}`), sql`, `)}) AND sh.created_at >= to_timestamp(${days[6]!})
         GROUP BY 1, 2`,
  );
  for (const row of rows) {
    const entry = histories.get(String(row.link_id))?.find((h) => h.day === String(row.day));
    if (entry) Object.assign(entry, { uses: String(row.uses), accounts: String(row.accounts) });
  }
  return histories;
}

/**
 * Mastodon's Trends::Link entity (a PreviewCard with `history`). There are no preview cards yet, so
 * only what is known is filled in: the URL (also standing in for the title) and its domain.
 */
export async function renderTrendLinks(ctx: AppContext, rows: TrendLinkRow[]) {
  const histories = await linkHistories(
    ctx,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({
    url: row.url,
    title: row.url,
    description: '',
    language: row.language,
    type: 'link',
    author_name: '',
    author_url: '',
    provider_name: row.domain,
    provider_url: '',
    html: '',
    width: 0,
    height: 0,
    image: null,
    image_description: '',
    embed_url: '',
    blurhash: null,
    published_at: null,
    authors: [],
    history: histories.get(row.id) ?? [],
  }));
}
