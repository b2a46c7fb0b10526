import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { homeFeed, listFeed, MAX_ITEMS, type FeedEntry, type FeedKey } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { statuses } from '../../db/schema.ts';
import { updateConversations } from '../statuses/conversations.ts';
import { visibleTo } from '../statuses/visibility.ts';
import { notify } from '../notifications/notify.ts';
import { streamConversations, streamDeletion, streamToFeeds, streamToPublic } from '../statuses/stream-status.ts';
import { completeDistribution } from './pending-distributions.ts';
import { loadDistributionFacts, type DistributionFacts } from './distribution-facts.ts';
import { preparedVariants } from '../../db/prepared.ts';

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
  return activeSince(sql`${ctx.config.userActiveDays}`, u);
}

/** activeUser with the number of days as SQL (a placeholder in a statement built once). */
function activeSince(days: SQLWrapper, u = sql`u`): SQL {
  const since = sql`now() - make_interval(days => ${days}::int)`;
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

/**
 * The followers a status may reach, in one statement built once (db/prepared.ts: planning it costs
 * more than running it), each with whether they are active (their home is fed) and rang the bell
 * (the follow's `notify`; the bell does not ask for an active user, the home does).
 */
const followersQuery = preparedVariants('distribution_followers', (db) =>
  db
    .select({
      id: sql<string>`f.account_id::text`,
      active: sql<boolean>`${activeSince(sql.placeholder('activeDays'))}`,
      bell: sql<boolean>`f.notify`,
    })
    .from(sql`${FROM_STATUS}
      JOIN follows f ON f.target_account_id = s.account_id
      JOIN users u ON u.account_id = f.account_id`)
    // the inactive followers who did not ring the bell are dropped before the home filter is worked out for them
    .where(sql`s.id = ${sql.placeholder('statusId')} AND NOT u.disabled AND (f.notify OR ${activeSince(sql.placeholder('activeDays'))}) AND ${homeFilter(sql`f.account_id`)}`),
);

/** The home and list feeds a status goes to (FanOutOnWriteService), and the followers who rang the bell. */
export async function distributionTargets(ctx: AppContext, status: DistributionFacts): Promise<{ feeds: FeedKey[]; bell: string[] }> {
  const feeds: FeedKey[] = [];
  const bell: string[] = [];
  if (status.local) feeds.push(homeFeed(status.accountId));
  const where = sql`s.id = ${status.id}`;
  if (['public', 'unlisted', 'private'].includes(status.visibility)) {
    const followers = await followersQuery(ctx.db, '').execute({ statusId: status.id, activeDays: ctx.config.userActiveDays });
    for (const follower of followers) {
      if (follower.active) feeds.push(homeFeed(follower.id));
      if (follower.bell) bell.push(follower.id);
    }
    // most authors are in no list: the facts say so, and the statement is not made
    if (status.listed) {
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
    }
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
  if (status.tagFollowed && status.visibility === 'public' && !status.reblogOfId && !status.inReplyToId && !status.silenced) {
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
  return { feeds: [...new Set(feeds)], bell };
}

/**
 * The Distribution job: puts a new status (or reblog) into every feed it belongs to and streams it.
 * For an edit (`update`), the feeds stay as they are and the new version is streamed. `facts`, when
 * the job has read them already, are not read again.
 */
export async function distributeStatus(ctx: AppContext, statusId: string, options: { update?: boolean; facts?: DistributionFacts | undefined } = {}): Promise<FeedKey[]> {
  const status = 'facts' in options ? options.facts : await loadDistributionFacts(ctx, statusId);
  if (!status) {
    if (!options.update) await completeDistribution(ctx, statusId);
    return [];
  }
  // public streams first: their latency should not grow with the author's follower count
  await streamToPublic(ctx, status.id, options.update ? 'status.update' : 'update', status);
  const { feeds: targets, bell } = await distributionTargets(ctx, status);
  if (options.update) {
    await streamToFeeds(ctx, status.id, 'status.update', targets);
    return [];
  }
  // the posting request leaves the mentions' notifications to this job (LocalNotificationWorker); made once
  if (!status.reblogOfId) await notifyMentionedAccounts(ctx, status);
  const inserted = await ctx.feeds.pushToMany(targets, status.id, status.reblogOfId);
  await streamToFeeds(ctx, status.id, 'update', inserted);
  await notifyBellFollowers(ctx, status, bell);
  if (status.visibility === 'direct' && !status.reblogOfId) {
    await updateConversations(ctx, status.row);
    await streamConversations(ctx, status.id);
  }
  await completeDistribution(ctx, status.id);
  return inserted;
}

async function notifyMentionedAccounts(ctx: AppContext, status: DistributionFacts) {
  for (const id of status.mentionedUsers) await notify(ctx, { recipientId: id, fromAccountId: status.accountId, type: 'mention', statusId: status.id });
}

/**
 * The bell: followers who asked to be notified of an account's posts (`notify` on the follow) get
 * a `status` notification for each new post that reaches their home, except boosts and replies
 * to others (FeedInsertWorker#notify?).
 */
async function notifyBellFollowers(ctx: AppContext, status: DistributionFacts, bell: string[]) {
  if (status.reblogOfId || !['public', 'unlisted', 'private'].includes(status.visibility)) return;
  if (status.inReplyToAccountId && status.inReplyToAccountId !== status.accountId) return;
  for (const id of bell) await notify(ctx, { recipientId: id, fromAccountId: status.accountId, type: 'status', statusId: status.id });
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
