import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../../../db/index.ts';
import {
  accountConversations,
  accountDomainBlocks,
  accountNotes,
  blocks,
  bookmarks,
  customFilterKeywords,
  customFilters,
  customFilterStatuses,
  favourites,
  featuredTags,
  followRequests,
  follows,
  listAccounts,
  lists,
  markers,
  mutes,
  notifications,
  statusPins,
  tagFollows,
} from '../../../../db/schema.ts';
import { FILTER_ACTION, LIST_REPLIES_POLICY } from '../mastodon-enums.ts';
import { after, ids, type ImportStep, type SourceRow } from '../step.ts';

/** A table copied column for column: `select` names the source columns as the target's (ids as text). */
function copyStep(name: string, table: string, select: string, target: PgTable, map: (row: SourceRow) => Record<string, unknown> = (row) => row): ImportStep {
  return {
    name,
    table,
    select,
    async write(tx, rows) {
      await insertInto(target, tx, rows.map(map));
    },
  };
}

async function insertInto(target: PgTable, tx: Database, values: Record<string, unknown>[]) {
  if (values.length > 0)
    await tx
      .insert(target)
      .values(values as never)
      .onConflictDoNothing();
}

const pair = (row: SourceRow) => ({ id: row.id, accountId: row.account_id, targetAccountId: row.target_account_id, createdAt: row.created_at });
const follow = (row: SourceRow) => ({ ...pair(row), showReblogs: row.show_reblogs, notify: row.notify, languages: row.languages, uri: row.uri });
const mark = (row: SourceRow) => ({ id: row.id, accountId: row.account_id, statusId: row.status_id, createdAt: row.created_at });

export const followsStep = copyStep(
  'follows',
  'follows',
  `SELECT ${ids('id', 'account_id', 'target_account_id')}, show_reblogs, notify, languages, uri, created_at FROM follows ${after}`,
  follows,
  follow,
);
export const followRequestsStep = copyStep(
  'follow requests',
  'follow_requests',
  `SELECT ${ids('id', 'account_id', 'target_account_id')}, show_reblogs, notify, languages, uri, created_at FROM follow_requests ${after}`,
  followRequests,
  follow,
);
export const blocksStep = copyStep('blocks', 'blocks', `SELECT ${ids('id', 'account_id', 'target_account_id')}, uri, created_at FROM blocks ${after}`, blocks, (row) => ({
  ...pair(row),
  uri: row.uri,
}));
export const mutesStep = copyStep('mutes', 'mutes', `SELECT ${ids('id', 'account_id', 'target_account_id')}, hide_notifications, expires_at, created_at FROM mutes ${after}`, mutes, (row) => ({
  ...pair(row),
  hideNotifications: row.hide_notifications,
  expiresAt: row.expires_at,
}));
export const accountNotesStep = copyStep(
  'account notes',
  'account_notes',
  `SELECT ${ids('id', 'account_id', 'target_account_id')}, comment, created_at FROM account_notes ${after}`,
  accountNotes,
  (row) => ({
    ...pair(row),
    comment: row.comment,
  }),
);
export const accountDomainBlocksStep = copyStep(
  'domain blocks (members)',
  'account_domain_blocks',
  `SELECT ${ids('id', 'account_id')}, domain, created_at FROM account_domain_blocks ${after}`,
  accountDomainBlocks,
  (row) => ({
    id: row.id,
    accountId: row.account_id,
    domain: row.domain,
    createdAt: row.created_at,
  }),
);
export const listsStep = copyStep('lists', 'lists', `SELECT ${ids('id', 'account_id')}, title, replies_policy, exclusive, created_at FROM lists ${after}`, lists, (row) => ({
  id: row.id,
  accountId: row.account_id,
  title: row.title,
  repliesPolicy: LIST_REPLIES_POLICY[row.replies_policy] ?? 'list',
  exclusive: row.exclusive,
  createdAt: row.created_at,
}));
export const listAccountsStep = copyStep('list members', 'list_accounts', `SELECT ${ids('id', 'list_id', 'account_id')} FROM list_accounts ${after}`, listAccounts, (row) => ({
  id: row.id,
  listId: row.list_id,
  accountId: row.account_id,
}));
export const filtersStep = copyStep(
  'filters',
  'custom_filters',
  `SELECT ${ids('id', 'account_id')}, phrase, context, action, expires_at, created_at, updated_at FROM custom_filters ${after}`,
  customFilters,
  (row) => ({
    id: row.id,
    accountId: row.account_id,
    title: row.phrase,
    context: row.context,
    action: FILTER_ACTION[row.action] ?? 'warn',
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }),
);
export const filterKeywordsStep = copyStep(
  'filter keywords',
  'custom_filter_keywords',
  `SELECT ${ids('id', 'custom_filter_id')}, keyword, whole_word, created_at FROM custom_filter_keywords ${after}`,
  customFilterKeywords,
  (row) => ({
    id: row.id,
    customFilterId: row.custom_filter_id,
    keyword: row.keyword,
    wholeWord: row.whole_word,
    createdAt: row.created_at,
  }),
);
export const filterStatusesStep = copyStep(
  'filtered statuses',
  'custom_filter_statuses',
  `SELECT ${ids('id', 'custom_filter_id', 'status_id')}, created_at FROM custom_filter_statuses ${after}`,
  customFilterStatuses,
  (row) => ({
    id: row.id,
    customFilterId: row.custom_filter_id,
    statusId: row.status_id,
    createdAt: row.created_at,
  }),
);
export const favouritesStep = copyStep('favourites', 'favourites', `SELECT ${ids('id', 'account_id', 'status_id')}, created_at FROM favourites ${after}`, favourites, mark);
export const bookmarksStep = copyStep('bookmarks', 'bookmarks', `SELECT ${ids('id', 'account_id', 'status_id')}, created_at FROM bookmarks ${after}`, bookmarks, mark);
export const pinsStep = copyStep('pinned statuses', 'status_pins', `SELECT ${ids('id', 'account_id', 'status_id')}, created_at FROM status_pins ${after}`, statusPins, mark);
export const markersStep = copyStep(
  'markers',
  'markers',
  `SELECT m.id::text AS id, u.account_id::text AS account_id, m.timeline, m.last_read_id::text AS last_read_id, m.lock_version, m.updated_at FROM markers m JOIN users u ON u.id = m.user_id WHERE m.id > $1::bigint ORDER BY m.id LIMIT $2`,
  markers,
  (row) => ({ id: row.id, accountId: row.account_id, timeline: row.timeline, lastReadId: row.last_read_id, lockVersion: row.lock_version, updatedAt: row.updated_at }),
);
export const accountConversationsStep = copyStep(
  'conversations (members)',
  'account_conversations',
  `SELECT ${ids('id', 'account_id', 'conversation_id', 'last_status_id')}, participant_account_ids::text[] AS participant_account_ids, status_ids::text[] AS status_ids, unread FROM account_conversations ${after}`,
  accountConversations,
  (row) => ({
    id: row.id,
    accountId: row.account_id,
    conversationId: row.conversation_id,
    participantAccountIds: row.participant_account_ids,
    statusIds: row.status_ids,
    lastStatusId: row.last_status_id,
    unread: row.unread,
  }),
);
export const featuredTagsStep = copyStep('featured hashtags', 'featured_tags', `SELECT ${ids('id', 'account_id', 'tag_id')}, created_at FROM featured_tags ${after}`, featuredTags, (row) => ({
  id: row.id,
  accountId: row.account_id,
  tagId: row.tag_id,
  createdAt: row.created_at,
}));
export const tagFollowsStep = copyStep('followed hashtags', 'tag_follows', `SELECT ${ids('id', 'account_id', 'tag_id')}, created_at FROM tag_follows ${after}`, tagFollows, (row) => ({
  id: row.id,
  accountId: row.account_id,
  tagId: row.tag_id,
  createdAt: row.created_at,
}));

/** The notification types Subspace shows, with what Mastodon's activity row gives them. */
const NOTIFICATION_TYPES = new Set(['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'admin.report']);

export const notificationsStep: ImportStep = {
  name: 'notifications',
  table: 'notifications',
  select: `SELECT n.id::text AS id, n.account_id::text AS account_id, n.from_account_id::text AS from_account_id, n.type, n.activity_type, n.group_key, n.filtered, n.created_at,
      (CASE n.activity_type
        WHEN 'Status' THEN (SELECT CASE WHEN n.type = 'reblog' THEN s.reblog_of_id ELSE s.id END FROM statuses s WHERE s.id = n.activity_id)
        WHEN 'Mention' THEN (SELECT m.status_id FROM mentions m WHERE m.id = n.activity_id)
        WHEN 'Favourite' THEN (SELECT f.status_id FROM favourites f WHERE f.id = n.activity_id)
        WHEN 'Poll' THEN (SELECT p.status_id FROM polls p WHERE p.id = n.activity_id)
      END)::text AS status_id,
      (CASE WHEN n.activity_type = 'Report' THEN n.activity_id END)::text AS report_id
    FROM notifications n WHERE n.id > $1::bigint ORDER BY n.id LIMIT $2`,
  async write(tx, rows, _ctx, skip) {
    const values = [];
    for (const row of rows) {
      // carried with the strikes they tell of (moderation.ts), which come later
      if (row.type === 'moderation_warning') continue;
      if (!NOTIFICATION_TYPES.has(row.type)) {
        skip(`notifications of type ${row.type}`);
        continue;
      }
      const needsStatus = ['mention', 'status', 'reblog', 'favourite', 'poll', 'update'].includes(row.type);
      if ((needsStatus && !row.status_id) || (row.type === 'admin.report' && !row.report_id)) {
        skip('notifications whose status or report is gone');
        continue;
      }
      values.push({
        id: row.id,
        accountId: row.account_id,
        fromAccountId: row.from_account_id,
        type: row.type,
        statusId: row.status_id,
        reportId: row.report_id,
        groupKey: row.group_key,
        filtered: row.filtered,
        createdAt: row.created_at,
      });
    }
    await insertInto(notifications, tx, values);
  },
};
