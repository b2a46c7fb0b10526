import type { PreviewCardRow } from '../db/schema.ts';
import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { queryRows } from '../db/index.ts';
import {
  accounts,
  bookmarks,
  conversationMutes,
  favourites,
  mediaAttachments,
  mentions,
  oauthApplications,
  pollVotes,
  polls,
  previewCards,
  previewCardsStatuses,
  statusPins,
  statuses,
  statusesTags,
  tags,
} from '../db/schema.ts';
import { filterableText, findFilterMatches, type LoadedFilter } from '../lib/filter-matching.ts';
import { customEmojisInTexts } from '../services/emojis/custom-emojis.ts';
import type { FilterResult } from '../serializers/entities.ts';
import { serializeFilterResult } from '../serializers/filter.ts';
import type { Account } from '../serializers/entities.ts';
import { pollOfParts, serializeStatusParts, type LoadedStatusParts, type PollFields, type StatusPage, type StatusParts, type StatusRow, type ViewerMarks } from '../serializers/status.ts';
import { cachedStatusParts, currentParts, keepStatusParts } from './status-parts-cache.ts';
import { renderAccountsById } from './accounts.ts';
import { loadFilters } from './filters.ts';

export interface StatusPageOptions {
  /** the member looking, for favourited/reblogged/… and poll votes */
  viewerId?: string | null;
  /** filter results per status id, for the `filtered` field; computed for the viewer when omitted */
  filtered?: Map<string, FilterResult[]>;
  /** the rows' reblogged originals and the viewer's marks, when the rows' query read them already (services/feeds/timeline-queries.ts) */
  preloaded?: { originals: StatusRow[]; marks: ViewerMarks | null };
}

const ids = <T>(values: (T | null | undefined)[]) => [...new Set(values.filter((value): value is T => value !== null && value !== undefined))];

function groupBy<T, V>(rows: readonly T[], key: (row: T) => string, value: (row: T) => V): Map<string, V[]> {
  const map = new Map<string, V[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(value(row));
    else map.set(k, [value(row)]);
  }
  return map;
}

interface MarkRow {
  kind: 'f' | 'r' | 'b' | 'p' | 'm' | 'v';
  id: string;
  choice: number | null;
}

/** The viewer's favourites, reblogs, bookmarks, pins, conversation mutes and poll votes among these, in one query. */
async function loadViewerMarks(ctx: AppContext, viewerId: string, statusIds: string[], conversationIds: string[], pollIds: string[]): Promise<ViewerMarks> {
  const marks: ViewerMarks = { favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(), mutedConversations: new Set(), votes: new Map() };
  const parts = [];
  if (statusIds.length) {
    parts.push(
      sql`select 'f' as kind, ${favourites.statusId} as id, null::int as choice from ${favourites} where ${and(eq(favourites.accountId, viewerId), inArray(favourites.statusId, statusIds))}`,
      sql`select 'r', ${statuses.reblogOfId}, null::int from ${statuses} where ${and(eq(statuses.accountId, viewerId), inArray(statuses.reblogOfId, statusIds), isNull(statuses.deletedAt))}`,
      sql`select 'b', ${bookmarks.statusId}, null::int from ${bookmarks} where ${and(eq(bookmarks.accountId, viewerId), inArray(bookmarks.statusId, statusIds))}`,
      sql`select 'p', ${statusPins.statusId}, null::int from ${statusPins} where ${and(eq(statusPins.accountId, viewerId), inArray(statusPins.statusId, statusIds))}`,
    );
  }
  if (conversationIds.length) {
    parts.push(
      sql`select 'm', ${conversationMutes.conversationId}, null::int from ${conversationMutes} where ${and(eq(conversationMutes.accountId, viewerId), inArray(conversationMutes.conversationId, conversationIds))}`,
    );
  }
  if (pollIds.length) {
    parts.push(sql`select 'v', ${pollVotes.pollId}, ${pollVotes.choice} from ${pollVotes} where ${and(eq(pollVotes.accountId, viewerId), inArray(pollVotes.pollId, pollIds))}`);
  }
  if (parts.length === 0) return marks;
  const rows = await queryRows<MarkRow>(ctx.db, sql.join(parts, sql` union all `));
  const sets = { f: marks.favourited, r: marks.reblogged, b: marks.bookmarked, p: marks.pinned, m: marks.mutedConversations };
  for (const row of rows) {
    const id = String(row.id);
    if (row.kind === 'v') {
      const votes = marks.votes.get(id);
      if (votes) votes.push(Number(row.choice));
      else marks.votes.set(id, [Number(row.choice)]);
    } else sets[row.kind].add(id);
  }
  return marks;
}

/** What the viewer's filters find in the proper statuses of the page (their own statuses left alone). */
function matchPage(filters: LoadedFilter[], viewerId: string, propers: readonly StatusRow[], pollOptions: (pollId: string) => readonly string[] | undefined): Map<string, FilterResult[]> {
  const results = new Map<string, FilterResult[]>();
  if (filters.length === 0) return results;
  for (const status of propers) {
    if (status.accountId === viewerId || results.has(status.id)) continue;
    const found = findFilterMatches(filters, status.id, filterableText(status, status.pollId ? pollOptions(status.pollId) : null));
    if (found.length) results.set(status.id, found.map(serializeFilterResult));
  }
  return results;
}

/** An account's domain as its rendering shows it (`acct`), null when local. */
const domainOf = (account: Account | undefined) => {
  const at = account?.acct.indexOf('@') ?? -1;
  return at < 0 ? null : account!.acct.slice(at + 1);
};

/**
 * Loads everything a page of statuses shows (Mastodon's StatusRelationshipsPresenter and the
 * preloading of cache_collection): the reblogged originals, the viewer's marks and what their
 * filters find, and what every viewer sees alike: the rendered authors (account-cache.ts) and each
 * status's parts (status-parts-cache.ts), loaded only for those not cached: mentions, tags,
 * applications, polls, media, cards and custom emoji, one query per kind whatever the number of
 * statuses.
 */
export async function loadStatusPage(ctx: AppContext, rows: readonly StatusRow[], options: StatusPageOptions = {}): Promise<StatusPage> {
  const viewerId = options.viewerId ?? null;
  const originalIds = ids(rows.map((row) => row.reblogOfId));
  const none = Promise.resolve([] as never[]);
  const preloaded = options.preloaded;
  // a promise, not drizzle's query (a thenable that would run again for each reader)
  const loadOriginals: Promise<StatusRow[]> = preloaded
    ? Promise.resolve(preloaded.originals)
    : originalIds.length
      ? Promise.resolve(ctx.db.select().from(statuses).where(inArray(statuses.id, originalIds)))
      : none;
  // the authors as soon as the originals are known, read from the cache alongside the parts
  const renderAuthors = loadOriginals.then((originals: StatusRow[]) =>
    renderAccountsById(
      ctx,
      [...rows, ...originals].map((s) => s.accountId),
    ),
  );
  const [originals, filters, cached, accountsById] = await Promise.all([
    loadOriginals,
    viewerId && !options.filtered && rows.length ? loadFilters(ctx, [viewerId]).then((byViewer) => byViewer.get(viewerId) ?? []) : Promise.resolve([]),
    cachedStatusParts(ctx, ids([...rows.map((row) => row.id), ...originalIds])),
    renderAuthors,
  ]);
  const all = [...new Map([...rows, ...originals].map((s) => [s.id, s])).values()];
  const propers = all.filter((s) => !s.reblogOfId);
  const contentIds = ids(propers.map((s) => s.id));
  const parts = new Map<string, StatusParts>();
  for (const status of all) {
    const found = currentParts(cached, status);
    if (found) parts.set(status.id, found);
  }
  const missing = all.filter((s) => !parts.has(s.id));
  const missingIds = ids(missing.filter((s) => !s.reblogOfId).map((s) => s.id));
  const missingPollIds = ids(missing.map((s) => s.pollId));
  const appIds = ids(missing.map((s) => s.applicationId));
  const conversationIds = ids(all.map((s) => s.conversationId));

  const [mentionRows, tagRows, appRows, pollRows, mediaRows, cardRows, marks, sensitizedRows] = await Promise.all([
    missingIds.length
      ? ctx.db
          .select({ statusId: mentions.statusId, id: accounts.id, username: accounts.username, url: accounts.url, uri: accounts.uri, domain: accounts.domain })
          .from(mentions)
          .innerJoin(accounts, eq(accounts.id, mentions.accountId))
          .where(and(inArray(mentions.statusId, missingIds), eq(mentions.silent, false)))
      : none,
    missingIds.length
      ? ctx.db.select({ statusId: statusesTags.statusId, name: tags.name }).from(statusesTags).innerJoin(tags, eq(tags.id, statusesTags.tagId)).where(inArray(statusesTags.statusId, missingIds))
      : none,
    appIds.length
      ? ctx.db.select({ id: oauthApplications.id, name: oauthApplications.name, website: oauthApplications.website }).from(oauthApplications).where(inArray(oauthApplications.id, appIds))
      : none,
    missingPollIds.length ? ctx.db.select().from(polls).where(inArray(polls.id, missingPollIds)) : none,
    missingIds.length ? ctx.db.select().from(mediaAttachments).where(inArray(mediaAttachments.statusId, missingIds)).orderBy(asc(mediaAttachments.position), asc(mediaAttachments.id)) : none,
    missingIds.length
      ? ctx.db
          .select({ statusId: previewCardsStatuses.statusId, url: previewCardsStatuses.url, card: previewCards })
          .from(previewCardsStatuses)
          .innerJoin(previewCards, eq(previewCards.id, previewCardsStatuses.previewCardId))
          .where(inArray(previewCardsStatuses.statusId, missingIds))
      : none,
    preloaded ? preloaded.marks : viewerId ? loadViewerMarks(ctx, viewerId, contentIds, conversationIds, ids(all.map((s) => s.pollId))) : Promise.resolve(null),
    missingIds.length
      ? ctx.db
          .select({ id: accounts.id })
          .from(accounts)
          .where(and(inArray(accounts.id, ids(missing.map((s) => s.accountId))), isNotNull(accounts.sensitizedAt)))
      : none,
  ]);
  const sensitized = new Set(sensitizedRows.map((row) => row.id));

  const pollsById = new Map(pollRows.map((poll) => [poll.id, poll]));
  const emojis = await customEmojisInTexts(
    ctx,
    missing
      .filter((status) => !status.reblogOfId)
      .flatMap((status) => {
        const domain = domainOf(accountsById.get(status.accountId));
        const options = status.pollId ? pollsById.get(status.pollId)?.options : undefined;
        return [
          { key: `s${status.id}`, texts: [status.spoilerText, status.text || status.content, ...(options ?? [])], domain },
          ...(options?.length ? [{ key: `p${status.id}`, texts: options, domain }] : []),
        ];
      }),
  );

  const cards = new Map<string, { card: PreviewCardRow; url: string | null }>();
  for (const row of cardRows) if (!cards.has(row.statusId)) cards.set(row.statusId, { card: row.card, url: row.url });
  const mentionsOf = groupBy(
    mentionRows,
    (row) => row.statusId,
    ({ statusId: _, ...account }) => account,
  );
  const tagsOf = groupBy(
    tagRows,
    (row) => row.statusId,
    (row) => row.name,
  );
  const mediaOf = groupBy(
    mediaRows,
    (row) => row.statusId!,
    (row) => row,
  );
  const apps = new Map(appRows.map((app) => [app.id, app]));
  const rendered = missing.map((status) => {
    const poll = status.pollId ? pollsById.get(status.pollId) : undefined;
    const loaded: LoadedStatusParts = {
      mentions: mentionsOf.get(status.id) ?? [],
      tags: tagsOf.get(status.id) ?? [],
      application: (status.applicationId && apps.get(status.applicationId)) || null,
      card: cards.get(status.id) ?? null,
      media: mediaOf.get(status.id) ?? [],
      emojis: emojis.get(`s${status.id}`) ?? [],
      poll: poll ? { row: poll, emojis: emojis.get(`p${status.id}`) ?? [] } : null,
      authorSensitized: sensitized.has(status.accountId),
    };
    return { status, parts: serializeStatusParts(ctx, loaded) };
  });
  for (const { status, parts: own } of rendered) parts.set(status.id, own);
  await keepStatusParts(ctx, cached, rendered);
  const pagePolls = new Map<string, PollFields>();
  for (const own of parts.values()) if (own.poll) pagePolls.set(own.poll.id, pollOfParts(own.poll));
  return {
    viewerId,
    originals: new Map(originals.map((row) => [row.id, row])),
    accounts: accountsById,
    parts,
    polls: pagePolls,
    marks,
    filtered: options.filtered ?? (viewerId ? matchPage(filters, viewerId, propers, (id) => pagePolls.get(id)?.options) : new Map()),
  };
}
