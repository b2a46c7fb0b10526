import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { bookmarks, conversationMutes, favourites, pollVotes, statusPins, statuses } from '../db/schema.ts';
import { filterableText, findFilterMatches } from '../lib/filter-matching.ts';
import type { Status } from '../serializers/entities.ts';
import { serializeFilterResult } from '../serializers/filter.ts';
import { renderPoll, serializeStatuses, viewerFields, type StatusRow, type ViewerMarks } from '../serializers/status.ts';
import { loadFilters } from './filters.ts';
import { loadStatusPage, type StatusPageOptions } from './status-page.ts';

export type RenderOptions = StatusPageOptions;

/** Renders statuses as Mastodon's Status entity, in the order given: loaded in a fixed number of queries, then serialized. */
export async function renderStatuses(ctx: AppContext, rows: StatusRow[], options: RenderOptions = {}): Promise<Status[]> {
  if (rows.length === 0) return [];
  return serializeStatuses(ctx, await loadStatusPage(ctx, rows, options), rows);
}

export async function renderStatus(ctx: AppContext, row: StatusRow, options: RenderOptions = {}): Promise<Status> {
  const [rendered] = await renderStatuses(ctx, [row], options);
  return rendered!;
}

const NO_MARKS: ViewerMarks = { favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(), mutedConversations: new Set(), votes: new Map() };

/**
 * One status as each of many viewers sees it (fan-out's pushes to home streams): loaded and rendered
 * once, then each viewer's marks, poll votes and filter results laid over it, with one query per
 * kind for all the viewers together.
 */
export async function renderStatusForViewers(ctx: AppContext, row: StatusRow, viewerIds: string[]): Promise<Map<string, Status>> {
  const result = new Map<string, Status>();
  if (viewerIds.length === 0) return result;
  const page = await loadStatusPage(ctx, [row], { viewerId: null });
  const [base] = serializeStatuses(ctx, page, [row]);
  const proper = row.reblogOfId ? page.originals.get(row.reblogOfId) : row;
  if (!base || !proper) return result;
  const none = Promise.resolve([] as never[]);
  const [favRows, reblogRows, bookmarkRows, pinRows, muteRows, voteRows, filtersByViewer] = await Promise.all([
    ctx.db
      .select({ accountId: favourites.accountId })
      .from(favourites)
      .where(and(eq(favourites.statusId, proper.id), inArray(favourites.accountId, viewerIds))),
    ctx.db
      .select({ accountId: statuses.accountId })
      .from(statuses)
      .where(and(eq(statuses.reblogOfId, proper.id), inArray(statuses.accountId, viewerIds), isNull(statuses.deletedAt))),
    ctx.db
      .select({ accountId: bookmarks.accountId })
      .from(bookmarks)
      .where(and(eq(bookmarks.statusId, proper.id), inArray(bookmarks.accountId, viewerIds))),
    ctx.db
      .select({ accountId: statusPins.accountId })
      .from(statusPins)
      .where(and(eq(statusPins.statusId, proper.id), inArray(statusPins.accountId, viewerIds))),
    proper.conversationId
      ? ctx.db
          .select({ accountId: conversationMutes.accountId })
          .from(conversationMutes)
          .where(and(eq(conversationMutes.conversationId, proper.conversationId), inArray(conversationMutes.accountId, viewerIds)))
      : none,
    proper.pollId
      ? ctx.db
          .select()
          .from(pollVotes)
          .where(and(eq(pollVotes.pollId, proper.pollId), inArray(pollVotes.accountId, viewerIds)))
      : none,
    loadFilters(ctx, viewerIds),
  ]);
  const has = (rows: { accountId: string }[]) => new Set(rows.map((r) => r.accountId));
  const [favourited, reblogged, bookmarked, pinned, muted] = [favRows, reblogRows, bookmarkRows, pinRows, muteRows].map(has) as Set<string>[];
  const poll = proper.pollId ? page.polls.get(proper.pollId) : undefined;
  const text = filterableText(proper, poll?.options);
  const renderedProper = row.reblogOfId ? base.reblog! : base;

  for (const viewerId of viewerIds) {
    const filtered = proper.accountId === viewerId ? [] : findFilterMatches(filtersByViewer.get(viewerId) ?? [], proper.id, text).map(serializeFilterResult);
    const marks: ViewerMarks = {
      favourited: favourited!.has(viewerId) ? new Set([proper.id]) : NO_MARKS.favourited,
      reblogged: reblogged!.has(viewerId) ? new Set([proper.id]) : NO_MARKS.reblogged,
      bookmarked: bookmarked!.has(viewerId) ? new Set([proper.id]) : NO_MARKS.bookmarked,
      pinned: pinned!.has(viewerId) ? new Set([proper.id]) : NO_MARKS.pinned,
      mutedConversations: muted!.has(viewerId) && proper.conversationId ? new Set([proper.conversationId]) : NO_MARKS.mutedConversations,
      votes: NO_MARKS.votes,
    };
    const votes = voteRows.filter((vote) => vote.accountId === viewerId).map((vote) => vote.choice);
    const own: Status = {
      ...renderedProper,
      ...viewerFields(proper, viewerId, marks, filtered),
      poll: poll ? renderPoll(poll, votes.length ? votes : undefined, viewerId, renderedProper.poll?.emojis) : null,
    };
    result.set(viewerId, row.reblogOfId ? { ...base, favourited: false, reblogged: false, muted: false, bookmarked: false, filtered, reblog: own } : own);
  }
  return result;
}
