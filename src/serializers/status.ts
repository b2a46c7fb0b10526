import { renderAccountRows } from '../services/entities.ts';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import {
  accounts,
  bookmarks,
  conversationMutes,
  favourites,
  mentions,
  oauthApplications,
  pollVotes,
  polls,
  statusPins,
  statuses,
  statusesTags,
  tags,
  users,
} from '../db/schema.ts';
import { activeFiltersOf, filterableText, filterResultsFor, matchFilters } from '../services/filters.ts';
import { mediaOfStatuses } from './media-attachment.ts';
import { cardsOfStatuses } from './preview-card.ts';
import type { CustomEmojiEntity } from './custom-emoji.ts';
import { emojisOfStatuses } from './status-emojis.ts';

export type StatusRow = typeof statuses.$inferSelect;
type PollRow = typeof polls.$inferSelect;

/** What a filter found in a status (FilterResult), supplied by the filters service. */
export interface FilterResult {
  filter: unknown;
  keyword_matches: string[] | null;
  status_matches: string[] | null;
}

export interface RenderOptions {
  /** the member looking, for favourited/reblogged/… and poll votes */
  viewerId?: string | null;
  /** filter results per status id, for the `filtered` field; computed for the viewer when omitted */
  filtered?: Map<string, FilterResult[]>;
}

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Mastodon's Poll entity; `emojis`, those its options use, come from emojisOfStatuses or emojisOfPoll. */
export function renderPoll(poll: PollRow, viewerVotes: number[] | undefined, viewerId: string | null | undefined, emojis: CustomEmojiEntity[] = []) {
  const expired = !!poll.expiresAt && poll.expiresAt.getTime() <= Date.now();
  const showTotals = !poll.hideTotals || expired || poll.accountId === viewerId;
  return {
    id: poll.id,
    expires_at: poll.expiresAt?.toISOString() ?? null,
    expired,
    multiple: poll.multiple,
    votes_count: poll.votesCount,
    voters_count: poll.multiple ? poll.votersCount : null,
    options: poll.options.map((title, i) => ({ title, votes_count: showTotals ? (poll.cachedTallies[i] ?? 0) : null })),
    emojis,
    ...(viewerId ? { voted: (viewerVotes?.length ?? 0) > 0 || poll.accountId === viewerId, own_votes: viewerVotes ?? [] } : {}),
  };
}

/**
 * Renders statuses as Mastodon's Status entity, in the order given, loading everything they refer
 * to (authors, reblogged originals, mentions, tags, polls, the viewer's marks) in one query per kind.
 */
export async function renderStatuses(ctx: AppContext, rows: StatusRow[], options: RenderOptions = {}) {
  const viewerId = options.viewerId ?? null;
  // every path that shows statuses to a member shows what their keyword filters caught
  const filtered = options.filtered ?? (viewerId && rows.length ? await filterResultsFor(ctx, viewerId, rows) : undefined);
  const originalIds = [...new Set(rows.map((row) => row.reblogOfId).filter((id): id is string => !!id))];
  const originals = originalIds.length ? await ctx.db.select().from(statuses).where(inArray(statuses.id, originalIds)) : [];
  const all = [...rows, ...originals];
  const contentIds = [...new Set(all.filter((s) => !s.reblogOfId).map((s) => s.id))];
  const accountIds = [...new Set(all.map((s) => s.accountId))];
  const appIds = [...new Set(all.map((s) => s.applicationId).filter((id): id is string => !!id))];
  const pollIds = [...new Set(all.map((s) => s.pollId).filter((id): id is string => !!id))];
  const conversationIds = [...new Set(all.map((s) => s.conversationId).filter((id): id is string => !!id))];
  const none = Promise.resolve([] as never[]);

  const [authorRows, mentionRows, tagRows, appRows, pollRows, favRows, reblogRows, bookmarkRows, pinRows, muteRows, voteRows, media, cards] = await Promise.all([
    ctx.db.select({ account: accounts, role: users.role }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(inArray(accounts.id, accountIds)),
    contentIds.length
      ? ctx.db
          .select({ statusId: mentions.statusId, account: accounts })
          .from(mentions)
          .innerJoin(accounts, eq(accounts.id, mentions.accountId))
          .where(and(inArray(mentions.statusId, contentIds), eq(mentions.silent, false)))
      : none,
    contentIds.length ? ctx.db.select({ statusId: statusesTags.statusId, name: tags.name }).from(statusesTags).innerJoin(tags, eq(tags.id, statusesTags.tagId)).where(inArray(statusesTags.statusId, contentIds)) : none,
    appIds.length ? ctx.db.select().from(oauthApplications).where(inArray(oauthApplications.id, appIds)) : none,
    pollIds.length ? ctx.db.select().from(polls).where(inArray(polls.id, pollIds)) : none,
    viewerId && contentIds.length ? ctx.db.select({ statusId: favourites.statusId }).from(favourites).where(and(eq(favourites.accountId, viewerId), inArray(favourites.statusId, contentIds))) : none,
    viewerId && contentIds.length
      ? ctx.db.select({ statusId: statuses.reblogOfId }).from(statuses).where(and(eq(statuses.accountId, viewerId), inArray(statuses.reblogOfId, contentIds), isNull(statuses.deletedAt)))
      : none,
    viewerId && contentIds.length ? ctx.db.select({ statusId: bookmarks.statusId }).from(bookmarks).where(and(eq(bookmarks.accountId, viewerId), inArray(bookmarks.statusId, contentIds))) : none,
    viewerId && contentIds.length ? ctx.db.select({ statusId: statusPins.statusId }).from(statusPins).where(and(eq(statusPins.accountId, viewerId), inArray(statusPins.statusId, contentIds))) : none,
    viewerId && conversationIds.length
      ? ctx.db
          .select({ conversationId: conversationMutes.conversationId })
          .from(conversationMutes)
          .where(and(eq(conversationMutes.accountId, viewerId), inArray(conversationMutes.conversationId, conversationIds)))
      : none,
    viewerId && pollIds.length ? ctx.db.select().from(pollVotes).where(and(eq(pollVotes.accountId, viewerId), inArray(pollVotes.pollId, pollIds))) : none,
    mediaOfStatuses(ctx, contentIds),
    cardsOfStatuses(ctx, contentIds),
  ]);

  const base = baseUrl(ctx.config);
  const authors = new Map(
    (await renderAccountRows(
      ctx,
      authorRows.map((row) => ({ account: row.account, user: { role: row.role } })),
    )).map((account) => [account.id, account]),
  );
  const mentionsByStatus = groupBy(mentionRows, (row) => row.statusId);
  const tagsByStatus = groupBy(tagRows, (row) => row.statusId);
  const apps = byId(appRows);
  const pollsById = byId(pollRows);
  const votesByPoll = groupBy(voteRows, (row) => row.pollId);
  const favourited = new Set(favRows.map((row) => row.statusId));
  const reblogged = new Set(reblogRows.map((row) => row.statusId));
  const bookmarked = new Set(bookmarkRows.map((row) => row.statusId));
  const pinned = new Set(pinRows.map((row) => row.statusId));
  const muted = new Set(muteRows.map((row) => row.conversationId));
  const originalsById = byId(originals);
  const domains = new Map(authorRows.map((row) => [row.account.id, row.account.domain]));
  const emojis = await emojisOfStatuses(
    ctx,
    all.filter((s) => !s.reblogOfId).map((s) => ({ ...s, domain: domains.get(s.accountId) ?? null, pollOptions: s.pollId ? pollsById.get(s.pollId)?.options : undefined })),
  );

  const render = (status: StatusRow): Record<string, unknown> => {
    const app = status.applicationId ? apps.get(status.applicationId) : undefined;
    const poll = status.pollId ? pollsById.get(status.pollId) : undefined;
    const original = status.reblogOfId ? originalsById.get(status.reblogOfId) : undefined;
    const own = status.accountId === viewerId;
    return {
      id: status.id,
      created_at: status.createdAt.toISOString(),
      in_reply_to_id: status.inReplyToId,
      in_reply_to_account_id: status.inReplyToAccountId,
      sensitive: status.sensitive,
      spoiler_text: status.spoilerText,
      visibility: status.visibility === 'limited' ? 'private' : status.visibility,
      language: status.language,
      uri: status.uri,
      url: status.url,
      replies_count: status.repliesCount,
      reblogs_count: status.reblogsCount,
      favourites_count: status.favouritesCount,
      quotes_count: 0,
      edited_at: status.editedAt?.toISOString() ?? null,
      ...(viewerId
        ? {
            favourited: favourited.has(status.id),
            reblogged: reblogged.has(status.id),
            muted: !!status.conversationId && muted.has(status.conversationId),
            bookmarked: bookmarked.has(status.id),
            ...(own && ['public', 'unlisted', 'private'].includes(status.visibility) && !status.reblogOfId ? { pinned: pinned.has(status.id) } : {}),
            filtered: filtered?.get(status.reblogOfId ?? status.id) ?? [],
          }
        : {}),
      content: status.content,
      reblog: original ? render(original) : null,
      application: app ? { name: app.name, website: app.website } : null,
      account: authors.get(status.accountId),
      media_attachments: media.get(status.id) ?? [],
      mentions: (mentionsByStatus.get(status.id) ?? []).map(({ account }) => ({
        id: account.id,
        username: account.username,
        url: account.url ?? account.uri,
        acct: account.domain ? `${account.username}@${account.domain}` : account.username,
      })),
      tags: (tagsByStatus.get(status.id) ?? []).map(({ name }) => ({ name: name.toLowerCase(), url: `${base}/tags/${encodeURIComponent(name.toLowerCase())}` })),
      emojis: emojis.statuses.get(status.id) ?? [],
      card: cards.get(status.id) ?? null,
      poll: poll ? renderPoll(poll, votesByPoll.get(poll.id)?.map((vote) => vote.choice), viewerId, emojis.polls.get(status.id)) : null,
    };
  };
  return rows.map(render);
}

export async function renderStatus(ctx: AppContext, row: StatusRow, options: RenderOptions = {}) {
  const [rendered] = await renderStatuses(ctx, [row], options);
  return rendered!;
}

/**
 * One status as each of many viewers sees it (fan-out's pushes to home streams): rendered once,
 * then each viewer's marks, poll votes and filter results laid over it, with one query per kind for
 * all the viewers together.
 */
export async function renderStatusForViewers(ctx: AppContext, row: StatusRow, viewerIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  const result = new Map<string, Record<string, unknown>>();
  if (viewerIds.length === 0) return result;
  const [base] = await renderStatuses(ctx, [row], { viewerId: null });
  const [proper] = row.reblogOfId ? await ctx.db.select().from(statuses).where(eq(statuses.id, row.reblogOfId)) : [row];
  if (!base || !proper) return result;
  const none = Promise.resolve([] as never[]);
  const [favRows, reblogRows, bookmarkRows, pinRows, muteRows, voteRows, pollRows, filtersByViewer] = await Promise.all([
    ctx.db.select({ accountId: favourites.accountId }).from(favourites).where(and(eq(favourites.statusId, proper.id), inArray(favourites.accountId, viewerIds))),
    ctx.db
      .select({ accountId: statuses.accountId })
      .from(statuses)
      .where(and(eq(statuses.reblogOfId, proper.id), inArray(statuses.accountId, viewerIds), isNull(statuses.deletedAt))),
    ctx.db.select({ accountId: bookmarks.accountId }).from(bookmarks).where(and(eq(bookmarks.statusId, proper.id), inArray(bookmarks.accountId, viewerIds))),
    ctx.db.select({ accountId: statusPins.accountId }).from(statusPins).where(and(eq(statusPins.statusId, proper.id), inArray(statusPins.accountId, viewerIds))),
    proper.conversationId
      ? ctx.db
          .select({ accountId: conversationMutes.accountId })
          .from(conversationMutes)
          .where(and(eq(conversationMutes.conversationId, proper.conversationId), inArray(conversationMutes.accountId, viewerIds)))
      : none,
    proper.pollId ? ctx.db.select().from(pollVotes).where(and(eq(pollVotes.pollId, proper.pollId), inArray(pollVotes.accountId, viewerIds))) : none,
    proper.pollId ? ctx.db.select().from(polls).where(eq(polls.id, proper.pollId)) : none,
    activeFiltersOf(ctx, viewerIds),
  ]);
  const has = (rows: { accountId: string }[]) => new Set(rows.map((r) => r.accountId));
  const [favourited, reblogged, bookmarked, pinned, muted] = [favRows, reblogRows, bookmarkRows, pinRows, muteRows].map(has) as Set<string>[];
  const votesByViewer = groupBy(voteRows, (vote) => vote.accountId);
  const poll = pollRows[0];
  const text = filterableText(proper, poll?.options);
  const renderedProper = (row.reblogOfId ? base.reblog : base) as Record<string, unknown>;

  for (const viewerId of viewerIds) {
    const filtered = proper.accountId === viewerId ? [] : matchFilters(filtersByViewer.get(viewerId) ?? [], proper.id, text);
    const pinnable = proper.accountId === viewerId && ['public', 'unlisted', 'private'].includes(proper.visibility);
    const own = {
      ...renderedProper,
      favourited: favourited!.has(viewerId),
      reblogged: reblogged!.has(viewerId),
      muted: muted!.has(viewerId),
      bookmarked: bookmarked!.has(viewerId),
      ...(pinnable ? { pinned: pinned!.has(viewerId) } : {}),
      filtered,
      poll: poll ? renderPoll(poll, votesByViewer.get(viewerId)?.map((vote) => vote.choice), viewerId, (renderedProper.poll as { emojis?: CustomEmojiEntity[] } | null)?.emojis) : null,
    };
    result.set(
      viewerId,
      row.reblogOfId ? { ...base, favourited: false, reblogged: false, muted: false, bookmarked: false, filtered, reblog: own } : own,
    );
  }
  return result;
}
