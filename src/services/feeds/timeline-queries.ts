import { and, desc, asc, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context.ts';
import { literalLimit, preparedVariants } from '../../db/prepared.ts';
import { statuses } from '../../db/schema.ts';
import type { StatusRow, ViewerMarks } from '../../serializers/status.ts';
import { notHiddenFrom, visibleTo } from '../statuses/visibility.ts';
import type { Page } from './pagination.ts';

/**
 * The hot timelines' queries (home, public), built once and run with placeholders
 * (db/prepared.ts), ids as one array parameter. Each reads the statuses of a page with, in the
 * same statement, their reblogged originals and the viewer's marks on them (favourited, reblogged,
 * bookmarked, pinned, the conversation muted, the poll's votes), which rendering would otherwise
 * query one statement each (presenters/status-page.ts).
 */

/** A page of statuses with what rendering needs besides them. */
export interface LoadedTimeline {
  rows: StatusRow[];
  /** the reblogged originals of the rows */
  originals: StatusRow[];
  /** the viewer's marks on the rows and originals; null without a viewer */
  marks: ViewerMarks | null;
}

const viewer = sql.placeholder('viewer');
const original = alias(statuses, 'reblogged');

/**
 * The viewer's marks on the proper status of each row (its original for a reblog), as columns.
 * Written with the table named: drizzle leaves a column unqualified in the selection of a query of
 * one table, where it would name the subquery's own column.
 */
function markColumns(proper: SQL) {
  return {
    favourited: sql<boolean>`EXISTS (SELECT 1 FROM favourites vf WHERE vf.account_id = ${viewer} AND vf.status_id = ${proper})`,
    reblogged: sql<boolean>`EXISTS (SELECT 1 FROM statuses vr WHERE vr.account_id = ${viewer} AND vr.reblog_of_id = ${proper} AND vr.deleted_at IS NULL)`,
    bookmarked: sql<boolean>`EXISTS (SELECT 1 FROM bookmarks vb WHERE vb.account_id = ${viewer} AND vb.status_id = ${proper})`,
    pinned: sql<boolean>`EXISTS (SELECT 1 FROM status_pins vp WHERE vp.account_id = ${viewer} AND vp.status_id = ${proper})`,
    muted: sql<boolean>`EXISTS (SELECT 1 FROM conversation_mutes vm WHERE vm.account_id = ${viewer} AND vm.conversation_id = statuses.conversation_id)`,
  };
}

const votesColumn = (pollId: SQL) => sql<number[]>`ARRAY(SELECT vv.choice FROM poll_votes vv WHERE vv.account_id = ${viewer} AND vv.poll_id = ${pollId} ORDER BY vv.id)`;

interface MarkedRow {
  status: StatusRow;
  original?: StatusRow | null;
  favourited?: boolean;
  reblogged?: boolean;
  bookmarked?: boolean;
  pinned?: boolean;
  muted?: boolean;
  originalMuted?: boolean;
  votes?: number[] | null;
}

const emptyMarks = (): ViewerMarks => ({ favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(), mutedConversations: new Set(), votes: new Map() });

/** The rows' statuses, originals and the viewer's marks, as rendering takes them. */
function loadedTimeline(marked: readonly MarkedRow[], withMarks: boolean): LoadedTimeline {
  const marks = withMarks ? emptyMarks() : null;
  const originals: StatusRow[] = [];
  for (const row of marked) {
    const proper = row.original ?? row.status;
    if (row.original) originals.push(row.original);
    if (!marks) continue;
    if (row.favourited) marks.favourited.add(proper.id);
    if (row.reblogged) marks.reblogged.add(proper.id);
    if (row.bookmarked) marks.bookmarked.add(proper.id);
    if (row.pinned) marks.pinned.add(proper.id);
    if (row.muted && row.status.conversationId) marks.mutedConversations.add(row.status.conversationId);
    if (row.originalMuted && row.original?.conversationId) marks.mutedConversations.add(row.original.conversationId);
    if (row.votes?.length && proper.pollId) marks.votes.set(proper.pollId, row.votes.map(Number));
  }
  return { rows: marked.map((row) => row.status), originals, marks };
}

const feedStatusesQuery = preparedVariants('feed_statuses', (db) =>
  db
    .select({
      status: statuses,
      original,
      ...markColumns(sql`COALESCE(statuses.reblog_of_id, statuses.id)`),
      originalMuted: sql<boolean>`EXISTS (SELECT 1 FROM conversation_mutes vo WHERE vo.account_id = ${viewer} AND vo.conversation_id = reblogged.conversation_id)`,
      votes: votesColumn(sql`COALESCE(reblogged.poll_id, statuses.poll_id)`),
    })
    .from(statuses)
    .leftJoin(original, sql`${original.id} = ${statuses.reblogOfId}`)
    .where(
      and(
        sql`${statuses.id} = ANY(${sql.placeholder('ids')})`,
        visibleTo(viewer),
        notHiddenFrom(viewer),
        // a reblog only while its original may be seen: not deleted, its author not suspended, no block either way
        sql`(${statuses.reblogOfId} IS NULL OR (${original.id} IS NOT NULL AND ${original.deletedAt} IS NULL
          AND NOT EXISTS (SELECT 1 FROM accounts oa WHERE oa.id = ${original.accountId} AND oa.suspended_at IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM blocks ob WHERE ob.account_id = ${viewer} AND ob.target_account_id = ${original.accountId})
          AND NOT EXISTS (SELECT 1 FROM blocks ob WHERE ob.account_id = ${original.accountId} AND ob.target_account_id = ${viewer})))`,
      ),
    ),
);

/**
 * The statuses with these ids, in this order, that the viewer may still see and has not hidden
 * (a feed keeps ids of statuses that were deleted, or whose authors were blocked, since), with
 * their originals and the viewer's marks: one statement.
 */
export async function loadFeedStatuses(ctx: AppContext, ids: string[], viewerId: string): Promise<LoadedTimeline> {
  if (ids.length === 0) return { rows: [], originals: [], marks: emptyMarks() };
  const marked = await feedStatusesQuery(ctx.db, '').execute({ ids, viewer: viewerId });
  const byId = new Map(marked.map((row) => [row.status.id, row]));
  return loadedTimeline(
    ids.flatMap((id) => byId.get(id) ?? []),
    true,
  );
}

/**
 * The status's author neither suspended nor silenced, as a scalar subquery by primary key for each
 * row of the page: written as NOT EXISTS, PostgreSQL makes it an anti-join that reads every
 * account on each execution (it expects few suspended or silenced ones).
 */
export const authorNeitherSuspendedNorSilenced = () => sql`COALESCE((SELECT pa.suspended_at IS NULL AND pa.silenced_at IS NULL FROM accounts pa WHERE pa.id = ${statuses.accountId}), true)`;

export interface PublicPageShape {
  viewer: boolean;
  local: boolean;
  remote: boolean;
  onlyMedia: boolean;
  languages: boolean;
}

/**
 * The public timeline's page (PublicFeed): public originals of visible accounts, no replies but to
 * oneself; with a viewer, not what they hide, in their chosen languages, with their marks.
 */
const publicPageQuery = preparedVariants('public_page', (db, variant) => {
  const shape = JSON.parse(variant) as PublicPageShape & Record<'maxId' | 'sinceId' | 'minId', boolean> & { limit: number };
  const conditions: SQL[] = [
    sql`${statuses.visibility} = 'public'`,
    sql`${statuses.deletedAt} IS NULL`,
    sql`${statuses.reblogOfId} IS NULL`,
    authorNeitherSuspendedNorSilenced(),
    sql`(${statuses.inReplyToId} IS NULL OR ${statuses.inReplyToAccountId} = ${statuses.accountId})`,
  ];
  if (shape.viewer) conditions.push(notHiddenFrom(viewer));
  if (shape.local) conditions.push(sql`${statuses.local}`);
  else if (shape.remote) conditions.push(sql`NOT ${statuses.local}`);
  if (shape.onlyMedia) conditions.push(sql`EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = ${statuses.id})`);
  if (shape.languages) conditions.push(sql`(${statuses.language} IS NULL OR ${statuses.language} = ANY(${sql.placeholder('languages')}))`);
  if (shape.maxId) conditions.push(sql`${statuses.id} < ${sql.placeholder('maxId')}`);
  if (shape.sinceId) conditions.push(sql`${statuses.id} > ${sql.placeholder('sinceId')}`);
  if (shape.minId) conditions.push(sql`${statuses.id} > ${sql.placeholder('minId')}`);
  const columns = shape.viewer ? { status: statuses, ...markColumns(sql`statuses.id`), votes: votesColumn(sql`statuses.poll_id`) } : { status: statuses };
  return db
    .select(columns)
    .from(statuses)
    .where(and(...conditions))
    .orderBy(shape.minId ? asc(statuses.id) : desc(statuses.id))
    .limit(literalLimit(shape.limit));
});

/** A page of the public timeline, newest first (oldest above `minId` first, then reversed, as Mastodon pages). */
export async function publicTimelinePage(ctx: AppContext, viewerId: string | null, shape: Omit<PublicPageShape, 'viewer'>, languages: string[] | null, page: Page): Promise<LoadedTimeline> {
  const variant = JSON.stringify({ ...shape, viewer: !!viewerId, languages: !!viewerId && shape.languages, maxId: !!page.maxId, sinceId: !!page.sinceId, minId: !!page.minId, limit: page.limit });
  const marked: MarkedRow[] = await publicPageQuery(ctx.db, variant).execute({
    viewer: viewerId,
    languages,
    maxId: page.maxId,
    sinceId: page.sinceId,
    minId: page.minId,
  });
  if (page.minId) marked.reverse();
  return loadedTimeline(marked, !!viewerId);
}
