import { and, sql, type SQL } from 'drizzle-orm';
import { homeFeed, listFeed, type FeedPage } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { regenerateList } from './fan-out.ts';
import { homeIdsFromDatabase, isRegenerating, requestHomeRegeneration } from './home-regeneration.ts';
import { finishPage, pageCondition, pageOrder } from './pagination.ts';
import { notHiddenFrom } from '../statuses/visibility.ts';
import { trendingLinkByUrl } from '../trends/links.ts';
import { trendSettings } from '../trends/trendable.ts';
import { authorNeitherSuspendedNorSilenced, loadFeedStatuses, publicTimelinePage, type LoadedTimeline } from './timeline-queries.ts';

export interface HomePage extends LoadedTimeline {
  /** the feed is being rebuilt and the page was read from the database: Mastodon's 206 */
  regenerating: boolean;
}

/**
 * A page of the home timeline (HomeFeed#get). While the feed is missing or being regenerated
 * (services/home-regeneration.ts) the page comes from the database, and a missing feed gets its
 * regeneration requested; a member with nothing to put in it simply has an empty home.
 */
export async function homeTimeline(ctx: AppContext, accountId: string, page: FeedPage): Promise<HomePage> {
  const feed = homeFeed(accountId);
  // the marker and the page at once (one wait for both): a page read while regenerating is dropped
  const [regenerating, ids] = await Promise.all([isRegenerating(ctx, accountId), ctx.feeds.page(feed, page)]);
  if (!regenerating) {
    // only an empty page needs to know whether the feed exists
    if (ids.length > 0 || (await ctx.feeds.exists(feed))) return { ...(await loadFeedStatuses(ctx, ids, accountId)), regenerating: false };
    // an empty feed does not exist: one that would stay empty needs no rebuild
    if ((await homeIdsFromDatabase(ctx, accountId, { limit: 1 })).length === 0) return { ...(await loadFeedStatuses(ctx, [], accountId)), regenerating: false };
    await requestHomeRegeneration(ctx, accountId);
  }
  return { ...(await loadFeedStatuses(ctx, await homeIdsFromDatabase(ctx, accountId, page), accountId)), regenerating: true };
}

/**
 * A page of a list timeline. A list feed that does not exist yet is built from its members'
 * statuses synchronously, before the answer (Mastodon has no 206 for lists): lists are small.
 */
export async function listTimeline(ctx: AppContext, listId: string, ownerId: string, page: FeedPage): Promise<LoadedTimeline> {
  const feed = listFeed(listId);
  let ids = await ctx.feeds.page(feed, page);
  if (ids.length === 0 && !(await ctx.feeds.exists(feed))) {
    await regenerateList(ctx, listId, ownerId);
    ids = await ctx.feeds.page(feed, page);
  }
  return loadFeedStatuses(ctx, ids, ownerId);
}

export interface PublicTimelineOptions {
  local?: boolean;
  remote?: boolean;
  onlyMedia?: boolean;
  /** the viewer's chosen languages when the caller has them (undefined: read them) */
  chosenLanguages?: string[] | null;
}

async function chosenLanguages(ctx: AppContext, accountId: string): Promise<string[] | null> {
  const [viewer] = await queryRows<{ chosen_languages: string[] | null }>(ctx.db, sql`SELECT chosen_languages FROM users WHERE account_id = ${accountId}`);
  return viewer?.chosen_languages ?? null;
}

/** Conditions shared by the public and hashtag timelines (PublicFeed): public originals of visible accounts. */
async function publicScope(ctx: AppContext, viewerId: string | null, options: PublicTimelineOptions): Promise<SQL[]> {
  const conditions: SQL[] = [
    sql`${statuses.visibility} = 'public'`,
    sql`${statuses.deletedAt} IS NULL`,
    sql`${statuses.reblogOfId} IS NULL`,
    authorNeitherSuspendedNorSilenced(),
    // visibleTo(viewerId) holds already: a public, undeleted status of an unsuspended author is
    // visible to all but those its author blocks, whom notHiddenFrom leaves out
    notHiddenFrom(viewerId),
  ];
  if (options.local) conditions.push(sql`${statuses.local}`);
  else if (options.remote) conditions.push(sql`NOT ${statuses.local}`);
  if (options.onlyMedia) conditions.push(sql`EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = ${statuses.id})`);
  if (viewerId) {
    const languages = options.chosenLanguages !== undefined ? options.chosenLanguages : await chosenLanguages(ctx, viewerId);
    if (languages && languages.length > 0) {
      conditions.push(
        sql`(${statuses.language} IS NULL OR ${statuses.language} IN (${sql.join(
          languages.map((language) => sql`${language}`),
          sql`, `,
        )}))`,
      );
    }
  }
  return conditions;
}

async function pageOf(ctx: AppContext, conditions: SQL[], page: FeedPage): Promise<StatusRow[]> {
  const rows = await ctx.db
    .select()
    .from(statuses)
    .where(and(...conditions, pageCondition(statuses.id, page)))
    .orderBy(pageOrder(statuses.id, page))
    .limit(page.limit);
  return finishPage(rows, page);
}

/** `GET /api/v1/timelines/public` (PublicFeed): no reblogs, and no replies except to oneself (timeline-queries.ts). */
export async function publicTimeline(ctx: AppContext, viewerId: string | null, options: PublicTimelineOptions, page: FeedPage): Promise<LoadedTimeline> {
  const languages = viewerId ? (options.chosenLanguages !== undefined ? options.chosenLanguages : await chosenLanguages(ctx, viewerId)) : null;
  const shape = { local: !!options.local, remote: !options.local && !!options.remote, onlyMedia: !!options.onlyMedia, languages: !!languages?.length };
  return publicTimelinePage(ctx, viewerId, shape, languages?.length ? languages : null, page);
}

export interface TagTimelineOptions extends PublicTimelineOptions {
  any?: string[];
  all?: string[];
  none?: string[];
}

async function tagIds(ctx: AppContext, names: string[]): Promise<string[]> {
  const wanted = [...new Set(names.map((name) => name.replace(/^#/, '').toLowerCase()).filter(Boolean))].slice(0, 4);
  if (wanted.length === 0) return [];
  const rows = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`SELECT id FROM tags WHERE lower(name) IN (${sql.join(
      wanted.map((name) => sql`${name}`),
      sql`, `,
    )})`,
  );
  return rows.map((row) => String(row.id));
}

const idList = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::bigint`),
    sql`, `,
  );

/** `GET /api/v1/timelines/tag/:hashtag` (TagFeed): public statuses with the tag (or any of `any`), all of `all`, none of `none`. */
export async function tagTimeline(ctx: AppContext, hashtag: string, viewerId: string | null, options: TagTimelineOptions, page: FeedPage) {
  const [tagId] = await tagIds(ctx, [hashtag]);
  if (!tagId) return [];
  const anyIds = [tagId, ...(await tagIds(ctx, options.any ?? []))];
  const conditions = await publicScope(ctx, viewerId, options);
  conditions.push(sql`EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = ${statuses.id} AND st.tag_id IN (${idList(anyIds)}))`);
  for (const id of await tagIds(ctx, options.all ?? [])) {
    conditions.push(sql`EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = ${statuses.id} AND st.tag_id = ${id}::bigint)`);
  }
  const noneIds = await tagIds(ctx, options.none ?? []);
  if (noneIds.length > 0) {
    conditions.push(sql`NOT EXISTS (SELECT 1 FROM statuses_tags st WHERE st.status_id = ${statuses.id} AND st.tag_id IN (${idList(noneIds)}))`);
  }
  return pageOf(ctx, conditions, page);
}

/**
 * `GET /api/v1/timelines/link?url=` (LinkFeed): public statuses showing the card of a link that
 * trends (and that staff allowed); undefined when it does not, or trends are off (Mastodon requires them).
 */
export async function linkTimeline(ctx: AppContext, url: string, viewerId: string | null, page: FeedPage): Promise<StatusRow[] | undefined> {
  const { enabled, trendableByDefault } = await trendSettings(ctx);
  if (!enabled) return undefined;
  const card = await trendingLinkByUrl(ctx, trendableByDefault, url);
  if (!card) return undefined;
  const conditions = await publicScope(ctx, viewerId, {});
  conditions.push(sql`${statuses.id} IN (SELECT pcs.status_id FROM preview_cards_statuses pcs WHERE pcs.preview_card_id = ${card.id})`);
  return pageOf(ctx, conditions, page);
}
