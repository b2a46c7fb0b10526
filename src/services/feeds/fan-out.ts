import { sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { homeFeed, listFeed, MAX_ITEMS, type FeedEntry, type FeedKey } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { statuses } from '../../db/schema.ts';
import { updateConversations } from '../statuses/conversations.ts';
import { visibleTo } from '../statuses/visibility.ts';
import { notify } from '../notifications/notify.ts';
import { loadPublicStatus, streamConversations, streamDeletion, streamToFeeds, streamToPublic, type PublicStatus } from '../statuses/stream-status.ts';
import { completeDistribution } from './pending-distributions.ts';

/*
 * Fan-out on write (Mastodon's FanOutOnWriteService, FeedInsertWorker and FeedManager#filter),
 * done in a few set-based queries: each query picks the receivers of a status that pass the
 * filter, and the status goes into all their feeds at once.
 *
 * The filter runs on a status row aliased `s`, its author `a`, the reblogged status `o` and its
 * author `oa` (both null unless `s` is a reblog).
 */

const s = alias(statuses, 's');

const FROM_STATUS = sql`statuses s
  JOIN accounts a ON a.id = s.account_id
  LEFT JOIN statuses o ON o.id = s.reblog_of_id
  LEFT JOIN accounts oa ON oa.id = o.account_id`;

/** Users who signed in (or were created, or used a token) within USER_ACTIVE_DAYS, on users row `u`. */
export function activeUser(ctx: AppContext, u = sql`u`): SQL {
  const since = sql`now() - make_interval(days => ${ctx.config.userActiveDays}::int)`;
  return sql`(${u}.current_sign_in_at > ${since} OR ${u}.created_at > ${since}
    OR EXISTS (SELECT 1 FROM oauth_access_tokens tk WHERE tk.user_id = ${u}.id AND tk.last_used_at > ${since}))`;
}

/** Blocks and mutes either way (author, reblogged author, mentioned accounts) and domain blocks: the filter of every feed. */
function relationFilter(receiver: SQL): SQL {
  const targets = sql`(b.target_account_id IN (s.account_id, o.account_id)
    OR b.target_account_id IN (SELECT mn.account_id FROM mentions mn WHERE mn.status_id IN (s.id, o.id) AND NOT mn.silent))`;
  return sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${receiver} AND ${targets})
    AND NOT EXISTS (SELECT 1 FROM mutes b WHERE b.account_id = ${receiver} AND (b.expires_at IS NULL OR b.expires_at > now()) AND ${targets})
    AND NOT EXISTS (SELECT 1 FROM blocks bb WHERE bb.account_id IN (s.account_id, o.account_id) AND bb.target_account_id = ${receiver})
    AND NOT EXISTS (SELECT 1 FROM account_domain_blocks d WHERE d.account_id = ${receiver} AND d.domain IN (a.domain, oa.domain))`;
}

/**
 * FeedManager#filter_from_home for `receiver`: relations, the follow's languages, replies to
 * accounts the receiver does not follow, hidden reblogs and (for home only) authors the receiver
 * put in an exclusive list. The receiver's own statuses always pass.
 */
export function homeFilter(receiver: SQL, type: 'home' | 'list' = 'home'): SQL {
  const exclusive =
    type === 'home'
      ? sql`AND NOT EXISTS (SELECT 1 FROM lists xl JOIN list_accounts xla ON xla.list_id = xl.id
                            WHERE xl.account_id = ${receiver} AND xl.exclusive AND xla.account_id = s.account_id)`
      : sql``;
  return sql`(s.account_id = ${receiver} OR (
    ${relationFilter(receiver)}
    AND (s.reblog_of_id IS NULL OR (o.id IS NOT NULL AND o.deleted_at IS NULL))
    AND NOT EXISTS (SELECT 1 FROM follows lf WHERE lf.account_id = ${receiver} AND lf.target_account_id = s.account_id
                      AND s.language IS NOT NULL AND cardinality(lf.languages) > 0 AND NOT (s.language = ANY(lf.languages)))
    AND (s.in_reply_to_id IS NULL OR (s.in_reply_to_account_id IS NOT NULL AND (
          s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = ${receiver}
          OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = ${receiver} AND rf.target_account_id = s.in_reply_to_account_id))))
    AND (s.reblog_of_id IS NULL OR NOT EXISTS (SELECT 1 FROM follows hf WHERE hf.account_id = ${receiver}
                                               AND hf.target_account_id = s.account_id AND NOT hf.show_reblogs))
    ${exclusive}))`;
}

/** FeedManager#filter_from_list?: the list's replies policy, on list row `l`. */
function listRepliesFilter(): SQL {
  return sql`(s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id = l.account_id
    OR (l.replies_policy = 'list' AND EXISTS (SELECT 1 FROM list_accounts rla WHERE rla.list_id = l.id AND rla.account_id = s.in_reply_to_account_id))
    OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows rlf WHERE rlf.account_id = l.account_id AND rlf.target_account_id = s.in_reply_to_account_id)))`;
}

const ids = (rows: { id: string | number }[]) => rows.map((row) => String(row.id));

interface StatusFacts {
  id: string;
  accountId: string;
  visibility: string;
  reblogOfId: string | null;
  inReplyToId: string | null;
  inReplyToAccountId: string | null;
  local: boolean;
  silenced: boolean;
}

const factsOf = ({ row, facts }: PublicStatus): StatusFacts => ({
  id: row.id,
  accountId: row.accountId,
  visibility: row.visibility,
  reblogOfId: row.reblogOfId,
  inReplyToId: row.inReplyToId,
  inReplyToAccountId: row.inReplyToAccountId,
  local: facts.local,
  silenced: facts.silenced,
});

/** The home and list feeds a status goes to (FanOutOnWriteService). */
export async function distributionTargets(ctx: AppContext, status: StatusFacts): Promise<FeedKey[]> {
  const feeds: FeedKey[] = [];
  if (status.local) feeds.push(homeFeed(status.accountId));
  const where = sql`s.id = ${status.id}`;
  if (['public', 'unlisted', 'private'].includes(status.visibility)) {
    const followers = await queryRows<{ id: string | number }>(
      ctx.db,
      sql`SELECT f.account_id AS id FROM ${FROM_STATUS}
          JOIN follows f ON f.target_account_id = s.account_id
          JOIN users u ON u.account_id = f.account_id
          WHERE ${where} AND NOT u.disabled AND ${activeUser(ctx)} AND ${homeFilter(sql`f.account_id`)}`,
    );
    feeds.push(...ids(followers).map(homeFeed));
    const lists = await queryRows<{ id: string | number }>(
      ctx.db,
      sql`SELECT l.id FROM ${FROM_STATUS}
          JOIN list_accounts la ON la.account_id = s.account_id
          JOIN lists l ON l.id = la.list_id
          JOIN users u ON u.account_id = l.account_id
          WHERE ${where} AND NOT u.disabled AND ${activeUser(ctx)}
            AND (l.account_id = s.account_id OR EXISTS (SELECT 1 FROM follows lf2 WHERE lf2.account_id = l.account_id AND lf2.target_account_id = s.account_id))
            AND ${listRepliesFilter()} AND ${homeFilter(sql`l.account_id`, 'list')}`,
    );
    feeds.push(...ids(lists).map(listFeed));
  } else {
    // direct and limited: the mentioned accounts that follow the author
    const mentioned = await queryRows<{ id: string | number }>(
      ctx.db,
      sql`SELECT m.account_id AS id FROM ${FROM_STATUS}
          JOIN mentions m ON m.status_id = s.id
          JOIN follows f ON f.account_id = m.account_id AND f.target_account_id = s.account_id
          JOIN users u ON u.account_id = m.account_id
          WHERE ${where} AND NOT u.disabled AND ${activeUser(ctx)} AND ${relationFilter(sql`m.account_id`)}`,
    );
    feeds.push(...ids(mentioned).map(homeFeed));
  }
  if (status.visibility === 'public' && !status.reblogOfId && !status.inReplyToId && !status.silenced) {
    const tagFollowers = await queryRows<{ id: string | number }>(
      ctx.db,
      sql`SELECT DISTINCT tf.account_id AS id FROM ${FROM_STATUS}
          JOIN statuses_tags st ON st.status_id = s.id
          JOIN tag_follows tf ON tf.tag_id = st.tag_id
          JOIN users u ON u.account_id = tf.account_id
          WHERE ${where} AND NOT u.disabled AND ${activeUser(ctx)} AND ${relationFilter(sql`tf.account_id`)}`,
    );
    feeds.push(...ids(tagFollowers).map(homeFeed));
  }
  return [...new Set(feeds)];
}

/**
 * The Distribution job: puts a new status (or reblog) into every feed it belongs to and streams it.
 * For an edit (`update`), the feeds stay as they are and the new version is streamed.
 */
export async function distributeStatus(ctx: AppContext, statusId: string, options: { update?: boolean } = {}): Promise<{ inserted: FeedKey[]; reblog: boolean } | undefined> {
  const loaded = await loadPublicStatus(ctx, statusId);
  if (!loaded) {
    if (!options.update) await completeDistribution(ctx, statusId);
    return undefined;
  }
  const status = factsOf(loaded);
  const reblog = status.reblogOfId !== null;
  // public streams first: their latency should not grow with the author's follower count
  await streamToPublic(ctx, loaded, options.update ? 'status.update' : 'update');
  const targets = await distributionTargets(ctx, status);
  if (options.update) {
    await streamToFeeds(ctx, status.id, 'status.update', targets);
    return { inserted: [], reblog };
  }
  // already done by the request that posted it, unless it died first; notifications are made once
  if (!reblog) await notifyMentionedAccounts(ctx, status);
  const inserted = await ctx.feeds.pushToMany(targets, status.id, status.reblogOfId);
  await streamToFeeds(ctx, status.id, 'update', inserted);
  await notifyBellFollowers(ctx, status);
  if (status.visibility === 'direct' && !reblog) {
    await updateConversations(ctx, loaded.row);
    await streamConversations(ctx, status.id);
  }
  await completeDistribution(ctx, status.id);
  return { inserted, reblog };
}

async function notifyMentionedAccounts(ctx: AppContext, status: StatusFacts) {
  const rows = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`SELECT m.account_id AS id FROM mentions m JOIN users u ON u.account_id = m.account_id
        WHERE m.status_id = ${status.id} AND m.account_id <> ${status.accountId} AND NOT m.silent`,
  );
  for (const id of ids(rows)) await notify(ctx, { recipientId: id, fromAccountId: status.accountId, type: 'mention', statusId: status.id });
}

/**
 * The bell: followers who asked to be notified of an account's posts (`notify` on the follow) get
 * a `status` notification for each new post that reaches their home, except boosts and replies
 * to others (FeedInsertWorker#notify?).
 */
async function notifyBellFollowers(ctx: AppContext, status: StatusFacts) {
  if (status.reblogOfId || !['public', 'unlisted', 'private'].includes(status.visibility)) return;
  if (status.inReplyToAccountId && status.inReplyToAccountId !== status.accountId) return;
  const followers = await queryRows<{ id: string | number }>(
    ctx.db,
    sql`SELECT f.account_id AS id FROM ${FROM_STATUS}
        JOIN follows f ON f.target_account_id = s.account_id AND f.notify
        JOIN users u ON u.account_id = f.account_id
        WHERE s.id = ${status.id} AND NOT u.disabled AND ${homeFilter(sql`f.account_id`)}`,
  );
  for (const id of ids(followers)) await notify(ctx, { recipientId: id, fromAccountId: status.accountId, type: 'status', statusId: status.id });
}

/** Every feed that may hold a status, for drivers that cannot search all feeds (Redis). */
async function removalCandidates(ctx: AppContext, statusId: string): Promise<{ entry: FeedEntry; feeds: FeedKey[] }[]> {
  const rows = await queryRows<{ id: string | number; account_id: string | number; reblog_of_id: string | number | null }>(
    ctx.db,
    sql`SELECT id, account_id, reblog_of_id FROM statuses WHERE id = ${statusId} OR reblog_of_id = ${statusId}`,
  );
  const result: { entry: FeedEntry; feeds: FeedKey[] }[] = [];
  for (const row of rows) {
    const id = String(row.id);
    const accountId = String(row.account_id);
    const people = await queryRows<{ id: string | number }>(
      ctx.db,
      sql`SELECT ${accountId}::bigint AS id
          UNION SELECT account_id FROM follows WHERE target_account_id = ${accountId}
          UNION SELECT account_id FROM mentions WHERE status_id = ${id}
          UNION SELECT tf.account_id FROM statuses_tags st JOIN tag_follows tf ON tf.tag_id = st.tag_id WHERE st.status_id = ${id}`,
    );
    const lists = await queryRows<{ id: string | number }>(ctx.db, sql`SELECT list_id AS id FROM list_accounts WHERE account_id = ${accountId}`);
    result.push({
      entry: { statusId: id, reblogOfId: row.reblog_of_id === null ? null : String(row.reblog_of_id) },
      feeds: [...ids(people).map(homeFeed), ...ids(lists).map(listFeed)],
    });
  }
  return result;
}

/** The FeedRemoval job: a deleted status (and the reblogs of it) leaves every feed. */
export async function removeStatusFromFeeds(ctx: AppContext, statusId: string): Promise<void> {
  const candidates = await removalCandidates(ctx, statusId);
  if (candidates.length === 0) {
    await ctx.feeds.removeEverywhere({ statusId, reblogOfId: null }, []);
    return;
  }
  for (const { entry, feeds } of candidates) {
    await ctx.feeds.removeEverywhere(entry, feeds);
    await streamDeletion(ctx, entry.statusId, feeds);
  }
}

async function isLocalUser(ctx: AppContext, accountId: string): Promise<boolean> {
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM users WHERE account_id = ${accountId} AND NOT disabled`);
  return rows.length > 0;
}

const entriesOf = (rows: { id: string | number; reblog_of_id: string | number | null }[]): FeedEntry[] =>
  rows.map((row) => ({ statusId: String(row.id), reblogOfId: row.reblog_of_id === null ? null : String(row.reblog_of_id) }));

/** The FeedMerge job (FeedManager#merge_into_home): up to 200 recent statuses of the followed account into the follower's home. */
export async function mergeIntoHome(ctx: AppContext, accountId: string, targetAccountId: string): Promise<void> {
  if (!(await isLocalUser(ctx, accountId))) return;
  const following = await queryRows(ctx.db, sql`SELECT 1 FROM follows WHERE account_id = ${accountId} AND target_account_id = ${targetAccountId}`);
  if (following.length === 0) return;
  const rows = await queryRows<{ id: string | number; reblog_of_id: string | number | null }>(
    ctx.db,
    sql`SELECT s.id, s.reblog_of_id FROM ${FROM_STATUS}
        WHERE s.account_id = ${targetAccountId} AND s.visibility IN ('public', 'unlisted', 'private')
          AND ${visibleTo(accountId, s)} AND ${homeFilter(sql`${accountId}::bigint`)}
        ORDER BY s.id DESC LIMIT ${MAX_ITEMS / 4}`,
  );
  await ctx.feeds.pushMany(homeFeed(accountId), entriesOf(rows));
}

/** Adds an account's recent statuses to a list feed (after it was added to the list). */
export async function mergeIntoList(ctx: AppContext, listId: string, ownerId: string, targetAccountId: string): Promise<void> {
  const rows = await queryRows<{ id: string | number; reblog_of_id: string | number | null }>(
    ctx.db,
    sql`SELECT s.id, s.reblog_of_id FROM ${FROM_STATUS} JOIN lists l ON l.id = ${listId}
        WHERE s.account_id = ${targetAccountId} AND s.visibility IN ('public', 'unlisted', 'private')
          AND ${visibleTo(ownerId, s)} AND ${listRepliesFilter()} AND ${homeFilter(sql`${ownerId}::bigint`, 'list')}
        ORDER BY s.id DESC LIMIT ${MAX_ITEMS / 4}`,
  );
  await ctx.feeds.pushMany(listFeed(listId), entriesOf(rows));
}

/** Takes the statuses of `targetAccountId` out of one feed; with `reblogsToo`, reblogs of their statuses as well. */
export async function unmergeFromFeed(ctx: AppContext, feed: FeedKey, targetAccountId: string, reblogsToo: boolean): Promise<void> {
  const present = await ctx.feeds.ids(feed);
  if (present.length === 0) return;
  const list = sql.join(
    present.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  const reblogs = reblogsToo ? sql`OR o.account_id = ${targetAccountId}` : sql``;
  const rows = await queryRows<{ id: string | number; reblog_of_id: string | number | null }>(
    ctx.db,
    sql`SELECT s.id, s.reblog_of_id FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id
        WHERE s.id IN (${list}) AND (s.account_id = ${targetAccountId} ${reblogs})`,
  );
  await ctx.feeds.remove(feed, entriesOf(rows));
}

/**
 * The FeedUnmerge job: after an unfollow, the target's statuses leave the home and lists of the
 * former follower; after a block or mute (FeedManager#clear_from_home), reblogs of them too.
 */
export async function unmergeFromHome(ctx: AppContext, accountId: string, targetAccountId: string): Promise<void> {
  if (!(await isLocalUser(ctx, accountId))) return;
  const [relation] = await queryRows<{ hidden: boolean; following: boolean }>(
    ctx.db,
    sql`SELECT (EXISTS (SELECT 1 FROM blocks WHERE account_id = ${accountId} AND target_account_id = ${targetAccountId})
             OR EXISTS (SELECT 1 FROM mutes WHERE account_id = ${accountId} AND target_account_id = ${targetAccountId}
                          AND (expires_at IS NULL OR expires_at > now()))) AS hidden,
            EXISTS (SELECT 1 FROM follows WHERE account_id = ${accountId} AND target_account_id = ${targetAccountId}) AS following`,
  );
  const hidden = !!relation?.hidden;
  // a follow that came back before the job ran keeps its statuses
  if (relation?.following && !hidden) return;
  await unmergeFromFeed(ctx, homeFeed(accountId), targetAccountId, hidden);
  const lists = await queryRows<{ id: string | number }>(ctx.db, sql`SELECT id FROM lists WHERE account_id = ${accountId}`);
  for (const listId of ids(lists)) await unmergeFromFeed(ctx, listFeed(listId), targetAccountId, hidden);
}

/** What a rebuilt home feed holds (`id`, `reblog_of_id`): the newest of the member's and their followees' statuses that pass the home filter. */
export function homeRebuildSelection(accountId: string): SQL {
  return sql`SELECT s.id, s.reblog_of_id FROM ${FROM_STATUS}
    WHERE (s.account_id = ${accountId} OR s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ${accountId}))
      AND ${visibleTo(accountId, s)} AND ${homeFilter(sql`${accountId}::bigint`)}
    ORDER BY s.id DESC LIMIT ${MAX_ITEMS / 2}`;
}

/**
 * Rebuilds a home feed from the database (PrecomputeFeedService#populate_home): up to 400 of the
 * newest statuses of the member and the accounts they follow that pass the home filter.
 */
export async function regenerateHome(ctx: AppContext, accountId: string): Promise<void> {
  const rows = await queryRows<{ id: string | number; reblog_of_id: string | number | null }>(ctx.db, homeRebuildSelection(accountId));
  // not cleared first: a status fanned out while this ran must not be wiped (a stale feed was dropped before)
  await ctx.feeds.pushMany(homeFeed(accountId), entriesOf(rows));
}

/** Rebuilds a list feed from the statuses of its members. */
export async function regenerateList(ctx: AppContext, listId: string, ownerId: string): Promise<void> {
  const rows = await queryRows<{ id: string | number; reblog_of_id: string | number | null }>(
    ctx.db,
    sql`SELECT s.id, s.reblog_of_id FROM ${FROM_STATUS} JOIN lists l ON l.id = ${listId}
        WHERE s.account_id IN (SELECT la.account_id FROM list_accounts la WHERE la.list_id = ${listId})
          AND s.visibility IN ('public', 'unlisted', 'private')
          AND ${visibleTo(ownerId, s)} AND ${listRepliesFilter()} AND ${homeFilter(sql`${ownerId}::bigint`, 'list')}
        ORDER BY s.id DESC LIMIT ${MAX_ITEMS / 2}`,
  );
  await ctx.feeds.pushMany(listFeed(listId), entriesOf(rows));
}

/** Whether the member counts as active for fan-out (signed in, created or used a token recently). */
export async function isActiveMember(ctx: AppContext, accountId: string): Promise<boolean> {
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM users u WHERE u.account_id = ${accountId} AND ${activeUser(ctx)}`);
  return rows.length > 0;
}
