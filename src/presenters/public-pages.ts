import type { AppContext } from '../context.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { Page } from '../services/feeds/pagination.ts';
import { publicTimeline, tagTimeline } from '../services/feeds/timelines.ts';
import { accountStatuses } from '../services/statuses/account-statuses.ts';
import { statusContext } from '../services/statuses/status-context.ts';
import type { StatusRow } from '../services/statuses/post-status.ts';
import { mediaFileFacts } from '../services/media/media-attachments.ts';
import type { Status } from '../serializers/entities.ts';
import { trendingLinks } from '../services/trends/links.ts';
import { trendingStatuses } from '../services/trends/statuses.ts';
import { trendingTags } from '../services/trends/tags.ts';
import { trendSettings } from '../services/trends/trendable.ts';
import { renderAccount } from './accounts.ts';
import { renderStatuses } from './statuses.ts';
import { renderTags } from './tags.ts';
import { renderTrendLinks } from './trend-links.ts';

/**
 * What the public pages show, as the API's entities rendered for a visitor who is not signed in
 * (viewer null), so a page shows exactly what `/api/v1` shows that visitor: public and unlisted
 * statuses only, never private, direct or limited ones, nor those of suspended accounts.
 */
const ANONYMOUS = { viewerId: null };

/** Mastodon's RSS feeds: 20 items. */
export const FEED_SIZE = 20;

/** A profile: the account, its pinned posts on the first page, its posts without replies to others, boosts included. */
export async function loadProfilePage(ctx: AppContext, account: AccountRow, page: Page) {
  const [rendered, pinnedRows, rows] = await Promise.all([
    renderAccount(ctx, account),
    page.maxId ? Promise.resolve([]) : accountStatuses(ctx, account.id, null, { pinned: true }, { limit: 20 }),
    accountStatuses(ctx, account.id, null, { excludeReplies: true }, page),
  ]);
  const [pinned, statuses] = await Promise.all([renderStatuses(ctx, pinnedRows, ANONYMOUS), renderStatuses(ctx, rows, ANONYMOUS)]);
  return { account: rendered, pinned, statuses, full: rows.length === page.limit };
}

/** A status with the part of its thread a visitor may see. */
export async function loadThread(ctx: AppContext, status: StatusRow) {
  const { ancestors, descendants } = await statusContext(ctx, status, null);
  const [before, [focused], after] = await Promise.all([renderStatuses(ctx, ancestors, ANONYMOUS), renderStatuses(ctx, [status], ANONYMOUS), renderStatuses(ctx, descendants, ANONYMOUS)]);
  return { ancestors: before, status: focused!, descendants: after };
}

export async function loadStatus(ctx: AppContext, status: StatusRow) {
  const [rendered] = await renderStatuses(ctx, [status], ANONYMOUS);
  return rendered!;
}

/** Mastodon's account feed: the account's public and unlisted posts, no boosts, no replies to others. */
export async function loadAccountFeed(ctx: AppContext, account: AccountRow) {
  const [rendered, rows] = await Promise.all([renderAccount(ctx, account), accountStatuses(ctx, account.id, null, { excludeReplies: true, excludeReblogs: true }, { limit: FEED_SIZE })]);
  return { account: rendered, ...(await withFiles(ctx, await renderStatuses(ctx, rows, ANONYMOUS))) };
}

/** A feed's statuses with the size and type of their attachments' files, for the RSS enclosures. */
async function withFiles(ctx: AppContext, statuses: Status[]) {
  const files = await mediaFileFacts(
    ctx,
    statuses.flatMap((status) => status.media_attachments.map((media) => media.id)),
  );
  return { statuses, files };
}

/** Mastodon's hashtag RSS: the latest local public posts with the tag. */
export async function loadTagFeed(ctx: AppContext, name: string) {
  const rows = await tagTimeline(ctx, name, null, { local: true }, { limit: FEED_SIZE });
  return withFiles(ctx, await renderStatuses(ctx, rows, ANONYMOUS));
}

/** A hashtag's public posts (TagFeed); Mastodon's hashtag RSS has only local ones. */
export async function loadTagStatuses(ctx: AppContext, name: string, options: { local: boolean }, page: Page) {
  const rows = await tagTimeline(ctx, name, null, { local: options.local }, page);
  return { statuses: await renderStatuses(ctx, rows, ANONYMOUS), full: rows.length === page.limit };
}

export async function loadLocalTimeline(ctx: AppContext, page: Page) {
  const { rows } = await publicTimeline(ctx, null, { local: true }, page);
  return { statuses: await renderStatuses(ctx, rows, ANONYMOUS), full: rows.length === page.limit };
}

/** What `/api/v1/trends/*` give a visitor: nothing while trends are off. */
export async function loadTrends(ctx: AppContext) {
  const settings = await trendSettings(ctx);
  if (!settings.enabled) return { enabled: false, statuses: [], tags: [], links: [] };
  const [statusRows, tagRows, linkRows] = await Promise.all([
    trendingStatuses(ctx, settings.trendableByDefault, null, { offset: 0, limit: 20 }),
    trendingTags(ctx, settings.trendableByDefault, { offset: 0, limit: 10 }),
    trendingLinks(ctx, settings.trendableByDefault, { offset: 0, limit: 10 }),
  ]);
  const [statuses, tags, links] = await Promise.all([renderStatuses(ctx, statusRows, ANONYMOUS), renderTags(ctx, tagRows, null), renderTrendLinks(ctx, linkRows)]);
  return { enabled: true, statuses, tags, links };
}
