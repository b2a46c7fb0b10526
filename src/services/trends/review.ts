import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accounts, previewCards, statuses, tags } from '../../db/schema.ts';
import { rowId } from '../../lib/ids.ts';
import { lookupAccount } from '../accounts/account-lookup.ts';
import { findTagByName } from '../statuses/tag-entities.ts';
import { trendSettings } from './trendable.ts';

export const REVIEW_KINDS = ['tag', 'link', 'status', 'account'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

/**
 * Staff's review of trends (Mastodon's Admin::Trends approve and reject): a hashtag by name, a link by
 * card URL or id, a status by id, or an account (whose statuses may then trend) by `user@domain`. The
 * decision holds until changed; undefined when nothing has that name.
 */
export async function reviewTrend(ctx: AppContext, kind: ReviewKind, key: string, trendable: boolean): Promise<string | undefined> {
  const decision = { trendable, reviewedAt: new Date(), requestedReviewAt: null };
  if (kind === 'tag') {
    const tag = await findTagByName(ctx, key.replace(/^#/, ''));
    if (!tag) return undefined;
    await ctx.db.update(tags).set(decision).where(eq(tags.id, tag.id));
    return `#${tag.name}`;
  }
  if (kind === 'link') {
    const id = rowId(key);
    const [card] = await ctx.db
      .select({ id: previewCards.id, url: previewCards.url })
      .from(previewCards)
      .where(id ? sql`${previewCards.id} = ${id} OR ${previewCards.url} = ${key}` : eq(previewCards.url, key))
      .limit(1);
    if (!card) return undefined;
    // a card's review is its `trendable` alone (Mastodon keeps review dates on the card's provider, its site)
    await ctx.db.update(previewCards).set({ trendable }).where(eq(previewCards.id, card.id));
    return card.url;
  }
  if (kind === 'status') {
    const id = rowId(key);
    if (!id) return undefined;
    const [row] = await ctx.db.update(statuses).set({ trendable }).where(eq(statuses.id, id)).returning({ id: statuses.id });
    return row ? `status ${row.id}` : undefined;
  }
  const account = (await lookupAccount(ctx, key))?.account;
  if (!account) return undefined;
  await ctx.db.update(accounts).set(decision).where(eq(accounts.id, account.id));
  return `@${account.username}${account.domain ? `@${account.domain}` : ''}`;
}

export interface TrendListing {
  kind: ReviewKind;
  id: string;
  name: string;
  score: number;
  rank: number;
  /** allowed: shown; pending: waits for review; rejected: never shown */
  state: 'allowed' | 'pending' | 'rejected';
}

const state = (trendable: boolean | null, byDefault: boolean): TrendListing['state'] => {
  const decided = trendable ?? (byDefault ? true : null);
  return decided === null ? 'pending' : decided ? 'allowed' : 'rejected';
};

/** What trends now, of each kind, best first, with its review state. */
export async function listTrends(ctx: AppContext, kinds: readonly ReviewKind[] = REVIEW_KINDS): Promise<TrendListing[]> {
  const { trendableByDefault } = await trendSettings(ctx);
  const listed: TrendListing[] = [];
  if (kinds.includes('tag')) {
    const rows = await queryRows<{ id: string; name: string; score: number; rank: number; trendable: boolean | null }>(
      ctx.db,
      sql`SELECT t.id::text AS id, t.name, tt.score, tt.rank, t.trendable FROM tag_trends tt JOIN tags t ON t.id = tt.tag_id ORDER BY tt.score DESC`,
    );
    for (const row of rows) listed.push({ kind: 'tag', id: row.id, name: `#${row.name}`, score: Number(row.score), rank: Number(row.rank), state: state(row.trendable, trendableByDefault) });
  }
  if (kinds.includes('link')) {
    const rows = await queryRows<{ id: string; url: string; score: number; rank: number; trendable: boolean | null }>(
      ctx.db,
      sql`SELECT c.id::text AS id, c.url, t.score, t.rank, c.trendable FROM preview_card_trends t JOIN preview_cards c ON c.id = t.preview_card_id ORDER BY t.score DESC`,
    );
    for (const row of rows) listed.push({ kind: 'link', id: row.id, name: row.url, score: Number(row.score), rank: Number(row.rank), state: state(row.trendable, trendableByDefault) });
  }
  if (kinds.includes('status') || kinds.includes('account')) {
    const rows = await queryRows<{ id: string; acct: string; score: number; rank: number; trendable: boolean | null }>(
      ctx.db,
      sql`SELECT s.id::text AS id, a.username || coalesce('@' || a.domain, '') AS acct, st.score, st.rank, coalesce(s.trendable, a.trendable) AS trendable
            FROM status_trends st JOIN statuses s ON s.id = st.status_id JOIN accounts a ON a.id = st.account_id ORDER BY st.score DESC`,
    );
    for (const row of rows) listed.push({ kind: 'status', id: row.id, name: `by @${row.acct}`, score: Number(row.score), rank: Number(row.rank), state: state(row.trendable, trendableByDefault) });
  }
  return listed;
}
