import { baseUrl } from '../config/index.ts';
import type { CustomEmojiRow } from '../db/schema.ts';
import type { AccountRow } from '../db/schema.ts';
import { serializeCustomEmoji } from './custom-emoji.ts';
import type { Account, CustomEmoji, FilterResult, Poll, PreviewCard, Status, StatusApplication, StatusMention, StatusTag, StatusViewerFields } from './entities.ts';
import { renderMediaAttachment, type MediaAttachmentRow, type RenderedMediaAttachment } from './media-attachment.ts';
import type { MediaUrls } from './media-urls.ts';
import { renderPreviewCard, type PreviewCardRow } from './preview-card.ts';

import type { StatusRow } from '../db/schema.ts';
export type { StatusRow };
import type { PollRow } from '../db/schema.ts';
export type { PollRow };
export type { FilterResult } from './entities.ts';

export type MentionedAccount = Pick<AccountRow, 'id' | 'username' | 'url' | 'uri' | 'domain'>;

/** The viewer's marks on the statuses of a page (ids of the proper statuses, conversation ids for mutes). */
export interface ViewerMarks {
  favourited: Set<string>;
  reblogged: Set<string>;
  bookmarked: Set<string>;
  pinned: Set<string>;
  mutedConversations: Set<string>;
  /** poll id → the viewer's choices */
  votes: Map<string, number[]>;
}

/** A viewer's marks on statuses they have not marked (a status they have just posted, not in reply to one). */
export const noViewerMarks = (): ViewerMarks => ({ favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(), mutedConversations: new Set(), votes: new Map() });

/**
 * Everything a page of statuses shows, loaded beforehand (src/presenters/status-page.ts): the
 * serializers below only read it, as Mastodon's REST::StatusSerializer reads what
 * StatusRelationshipsPresenter preloaded.
 */
export interface StatusPage {
  viewerId: string | null;
  /** reblogged originals by id */
  originals: Map<string, StatusRow>;
  /** the authors, rendered, by id (cached: src/presenters/account-cache.ts) */
  accounts: Map<string, Account>;
  /** status id → what it shows whoever looks, that its row does not hold (cached: src/presenters/status-parts-cache.ts) */
  parts: Map<string, StatusParts>;
  /** the polls of the page's statuses, by poll id */
  polls: Map<string, PollFields>;
  /** null without a viewer */
  marks: ViewerMarks | null;
  /** proper status id → what the viewer's filters found */
  filtered: Map<string, FilterResult[]>;
}

export type { LoadedAccount } from './account.ts';

/** What renderPoll reads of a poll. */
export type PollFields = Pick<PollRow, 'id' | 'accountId' | 'options' | 'cachedTallies' | 'multiple' | 'hideTotals' | 'votesCount' | 'votersCount' | 'expiresAt'>;

/** A poll as a status's parts keep it: its counts and options, its expiry as a string, the custom emoji of its options. */
export type PollPart = Omit<PollFields, 'expiresAt'> & { expiresAt: string | null; emojis: CustomEmoji[] };

/**
 * The parts of a status that are the same for every viewer and are not in its row: mentions, tags,
 * application, card, media attachments, custom emoji, and the poll (the viewer's votes aside).
 */
export interface StatusParts {
  mentions: StatusMention[];
  tags: StatusTag[];
  application: StatusApplication | null;
  card: PreviewCard | null;
  media: RenderedMediaAttachment[];
  /** the custom emoji of its text, warning and poll options */
  emojis: CustomEmoji[];
  poll: PollPart | null;
  /** staff marked the author's media sensitive (Account#sensitized?): shown sensitive to everyone but the author */
  authorSensitized?: boolean;
}

/** What a status's parts are rendered from. */
export interface LoadedStatusParts {
  mentions: readonly MentionedAccount[];
  tags: readonly string[];
  application: StatusApplication | null;
  card: { card: PreviewCardRow; url: string | null } | null;
  media: readonly MediaAttachmentRow[];
  emojis: readonly CustomEmojiRow[];
  poll: { row: PollFields; emojis: readonly CustomEmojiRow[] } | null;
  authorSensitized?: boolean;
}

/** The poll fields renderPoll reads, from a status's parts. */
export const pollOfParts = ({ emojis: _, ...poll }: PollPart): PollFields => ({ ...poll, expiresAt: poll.expiresAt ? new Date(poll.expiresAt) : null });

function pollPart(urls: MediaUrls, { row, emojis }: { row: PollFields; emojis: readonly CustomEmojiRow[] }): PollPart {
  const { id, accountId, options, cachedTallies, multiple, hideTotals, votesCount, votersCount, expiresAt } = row;
  return { id, accountId, options, cachedTallies, multiple, hideTotals, votesCount, votersCount, expiresAt: expiresAt?.toISOString() ?? null, emojis: emojiEntities(urls, emojis) };
}

/** Renders the parts of a status from what was loaded for it. */
export function serializeStatusParts(urls: MediaUrls, loaded: LoadedStatusParts): StatusParts {
  const base = baseUrl(urls.config);
  return {
    mentions: loaded.mentions.map((account) => ({
      id: account.id,
      username: account.username,
      url: account.url ?? account.uri,
      acct: account.domain ? `${account.username}@${account.domain}` : account.username,
    })),
    tags: loaded.tags.map((name) => ({ name: name.toLowerCase(), url: `${base}/tags/${encodeURIComponent(name.toLowerCase())}` })),
    application: loaded.application ? { name: loaded.application.name, website: loaded.application.website } : null,
    card: loaded.card ? renderPreviewCard(loaded.card.card, urls.storage, loaded.card.url) : null,
    media: loaded.media.map((row) => renderMediaAttachment(row, urls)),
    emojis: emojiEntities(urls, loaded.emojis),
    poll: loaded.poll ? pollPart(urls, loaded.poll) : null,
    ...(loaded.authorSensitized ? { authorSensitized: true } : {}),
  };
}

const NO_PARTS: StatusParts = { mentions: [], tags: [], application: null, card: null, media: [], emojis: [], poll: null };

function emojiEntities(urls: MediaUrls, rows: readonly CustomEmojiRow[]): CustomEmoji[] {
  return rows.map((row) => serializeCustomEmoji(urls, row));
}

/** Mastodon's Poll entity; `emojis`, those its options use. */
export function renderPoll(poll: PollFields, viewerVotes: number[] | undefined, viewerId: string | null | undefined, emojis: CustomEmoji[] = [], now = Date.now()): Poll {
  const expired = !!poll.expiresAt && poll.expiresAt.getTime() <= now;
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

const PINNABLE = ['public', 'unlisted', 'private'];

/** The viewer's fields of one status (Mastodon's, from StatusRelationshipsPresenter). */
export function viewerFields(status: StatusRow, viewerId: string, marks: ViewerMarks, filtered: FilterResult[]): StatusViewerFields {
  const own = status.accountId === viewerId;
  return {
    favourited: marks.favourited.has(status.id),
    reblogged: marks.reblogged.has(status.id),
    muted: !!status.conversationId && marks.mutedConversations.has(status.conversationId),
    bookmarked: marks.bookmarked.has(status.id),
    ...(own && PINNABLE.includes(status.visibility) && !status.reblogOfId ? { pinned: marks.pinned.has(status.id) } : {}),
    filtered,
  };
}

/** Renders the statuses of a loaded page as Mastodon's Status entity, in the order given. */
export function serializeStatuses(_urls: MediaUrls, page: StatusPage, rows: readonly StatusRow[]): Status[] {
  const accountOf = (id: string): Account => {
    const rendered = page.accounts.get(id);
    if (!rendered) throw new Error(`account ${id} was not loaded`);
    return rendered;
  };
  const viewerId = page.viewerId;

  const render = (status: StatusRow): Status => {
    const parts = page.parts.get(status.id) ?? NO_PARTS;
    const poll = status.pollId ? page.polls.get(status.pollId) : undefined;
    const original = status.reblogOfId ? page.originals.get(status.reblogOfId) : undefined;
    return {
      id: status.id,
      created_at: status.createdAt.toISOString(),
      in_reply_to_id: status.inReplyToId,
      in_reply_to_account_id: status.inReplyToAccountId,
      sensitive: status.sensitive || (!!parts.authorSensitized && viewerId !== status.accountId),
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
      ...(viewerId && page.marks ? viewerFields(status, viewerId, page.marks, page.filtered.get(status.reblogOfId ?? status.id) ?? []) : {}),
      content: status.content,
      reblog: original ? render(original) : null,
      application: parts.application,
      account: accountOf(status.accountId),
      media_attachments: parts.media,
      mentions: parts.mentions,
      tags: parts.tags,
      emojis: parts.emojis,
      card: parts.card,
      poll: poll ? renderPoll(poll, page.marks?.votes.get(poll.id), viewerId, parts.poll?.emojis) : null,
    };
  };
  return rows.map(render);
}
