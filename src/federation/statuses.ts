import type { Context } from '@fedify/fedify';
import { Collection, Document, Hashtag, Image, LanguageString, Mention, Note } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, conversations, mediaAttachments, mentions, polls, statuses, statusesTags, tags } from '../db/schema.ts';
import { rowId } from '../lib/ids.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { tagUrl } from '../services/statuses/tag-entities.ts';
import { isLocalMedia } from '../services/media/media-attachments.ts';
import type { StatusRow } from '../serializers/status.ts';
import { customEmojisInTexts, type CustomEmojiRow } from '../services/emojis/custom-emojis.ts';
import { audienceOf } from './audience.ts';
import { emojiTags } from './emojis.ts';
import { firstPageUrl } from './cursors.ts';
import { accountIdentifier, actorOfIdentifier } from './paths.ts';
import { MastodonAnnounce, MastodonCreate, MastodonNote, MastodonQuestion, type MediaExtra } from './vocab.ts';
import type { MediaAttachmentRow } from '../serializers/media-attachment.ts';
import type { PollRow } from '../db/schema.ts';

type FederationContext = Context<AppContext>;

/** A local status with its author. */
export interface AuthoredStatus {
  status: StatusRow;
  author: AccountRow;
}

/** Everything beyond the status row that its ActivityPub object shows, loaded for many statuses at once. */
interface StatusDetails {
  mentions: Map<string, { uri: string; acct: string }[]>;
  tags: Map<string, string[]>;
  polls: Map<string, PollRow>;
  /** in_reply_to_id → the parent's URI */
  parents: Map<string, string>;
  /** conversation id → its URI, or null for a local conversation */
  conversations: Map<string, string | null>;
  /** reblog_of_id → the boosted status's URI and author URI */
  boosted: Map<string, { uri: string; authorUri: string }>;
  /** status id → its uploaded attachments, in order */
  media: Map<string, MediaAttachmentRow[]>;
  /** status id → the local custom emoji its text, warning and poll options use */
  emojis: Map<string, CustomEmojiRow[]>;
}

const instant = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime());

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return map;
}

async function loadDetails(ctx: AppContext, rows: StatusRow[]): Promise<StatusDetails> {
  const ids = rows.map((row) => row.id);
  const pollIds = rows.flatMap((row) => (row.pollId ? [row.pollId] : []));
  const parentIds = rows.flatMap((row) => (row.inReplyToId ? [row.inReplyToId] : []));
  const conversationIds = rows.flatMap((row) => (row.conversationId ? [row.conversationId] : []));
  const boostedIds = rows.flatMap((row) => (row.reblogOfId ? [row.reblogOfId] : []));
  const none = Promise.resolve([]);
  const [mentionRows, tagRows, pollRows, parentRows, conversationRows, boostedRows, mediaRows] = await Promise.all([
    ids.length === 0
      ? none
      : ctx.db
          .select({ statusId: mentions.statusId, uri: accounts.uri, username: accounts.username, domain: accounts.domain })
          .from(mentions)
          .innerJoin(accounts, eq(accounts.id, mentions.accountId))
          .where(and(inArray(mentions.statusId, ids), eq(mentions.silent, false)))
          .orderBy(asc(mentions.id)),
    ids.length === 0
      ? none
      : ctx.db.select({ statusId: statusesTags.statusId, name: tags.name }).from(statusesTags).innerJoin(tags, eq(tags.id, statusesTags.tagId)).where(inArray(statusesTags.statusId, ids)),
    pollIds.length === 0 ? none : ctx.db.select().from(polls).where(inArray(polls.id, pollIds)),
    parentIds.length === 0
      ? none
      : ctx.db
          .select({ id: statuses.id, uri: statuses.uri })
          .from(statuses)
          .where(and(inArray(statuses.id, parentIds), isNull(statuses.deletedAt))),
    conversationIds.length === 0 ? none : ctx.db.select({ id: conversations.id, uri: conversations.uri }).from(conversations).where(inArray(conversations.id, conversationIds)),
    boostedIds.length === 0
      ? none
      : ctx.db.select({ id: statuses.id, uri: statuses.uri, authorUri: accounts.uri }).from(statuses).innerJoin(accounts, eq(accounts.id, statuses.accountId)).where(inArray(statuses.id, boostedIds)),
    ids.length === 0
      ? none
      : ctx.db
          .select()
          .from(mediaAttachments)
          .where(and(inArray(mediaAttachments.statusId, ids), isLocalMedia, sql`${mediaAttachments.fileKey} IS NOT NULL`))
          .orderBy(asc(mediaAttachments.position), asc(mediaAttachments.id)),
  ]);
  const pollOptions = new Map(pollRows.map((row) => [row.id, row.options]));
  const emojis = await customEmojisInTexts(
    ctx,
    rows.map((row) => ({ key: row.id, texts: [row.spoilerText, row.text || row.content, ...((row.pollId && pollOptions.get(row.pollId)) || [])], domain: null })),
  );
  return {
    emojis,
    mentions: new Map(
      [...groupBy(mentionRows, (row) => row.statusId)].map(([id, list]) => [id, list.map((row) => ({ uri: row.uri, acct: row.domain ? `${row.username}@${row.domain}` : row.username }))]),
    ),
    tags: new Map([...groupBy(tagRows, (row) => row.statusId)].map(([id, list]) => [id, list.map((row) => row.name)])),
    polls: new Map(pollRows.map((row) => [row.id, row])),
    parents: new Map(parentRows.flatMap((row) => (row.uri ? [[row.id, row.uri] as const] : []))),
    conversations: new Map(conversationRows.map((row) => [row.id, row.uri])),
    boosted: new Map(boostedRows.flatMap((row) => (row.uri ? [[row.id, { uri: row.uri, authorUri: row.authorUri }] as const] : []))),
    media: groupBy(mediaRows, (row) => row.statusId!),
  };
}

/** Mastodon's OStatus tag for a local conversation, which is what its `conversation` carries. */
function conversationUri(ctx: AppContext, status: StatusRow, details: StatusDetails): string | null {
  if (!status.conversationId) return null;
  const stored = details.conversations.get(status.conversationId);
  if (stored) return stored;
  const date = status.createdAt.toISOString().slice(0, 10);
  return `tag:${ctx.config.localDomain},${date}:objectId=${status.conversationId}:objectType=Conversation`;
}

function audience(fctx: FederationContext, status: StatusRow, author: AccountRow, details: StatusDetails) {
  const boosted = status.reblogOfId ? details.boosted.get(status.reblogOfId) : undefined;
  return audienceOf({
    visibility: status.visibility,
    followers: fctx.getFollowersUri(accountIdentifier(author)),
    mentioned: (details.mentions.get(status.id) ?? []).map((mention) => new URL(mention.uri)),
    boostedAuthor: boosted ? new URL(boosted.authorUri) : undefined,
  });
}

function pollOptions(poll: PollRow): Note[] {
  return poll.options.map((title, index) => new Note({ name: title, replies: new Collection({ totalItems: poll.cachedTallies[index] ?? 0 }) }));
}

type StyleMeta = { width?: number; height?: number };

/**
 * An uploaded attachment as Mastodon's ActivityPub::MediaAttachmentSerializer sends it: a Document of
 * its type (an image, an MP4 video or gifv, an MP3), its alt text as `name`, its size, and a video's
 * or audio's thumbnail as its `icon`.
 */
function attachmentDocument(ctx: AppContext, row: MediaAttachmentRow): Document {
  const original = (row.meta?.original ?? {}) as StyleMeta;
  return new Document({
    mediaType: row.contentType,
    url: new URL(ctx.storage.url(row.fileKey!)),
    name: row.description || null,
    width: original.width ?? null,
    height: original.height ?? null,
    icon: row.thumbnailFileKey ? new Image({ mediaType: row.thumbnailContentType, url: new URL(ctx.storage.url(row.thumbnailFileKey)) }) : null,
  });
}

function mediaExtra(row: MediaAttachmentRow): MediaExtra {
  const focus = row.meta?.focus as { x: number; y: number } | undefined;
  return { blurhash: row.blurhash, focalPoint: focus ? [focus.x, focus.y] : null };
}

function buildObject(fctx: FederationContext, { status, author }: AuthoredStatus, details: StatusDetails): MastodonNote | MastodonQuestion {
  const ctx = fctx.data;
  const { to, cc } = audience(fctx, status, author, details);
  const conversation = conversationUri(ctx, status, details);
  const repliesUri = new URL(`${status.uri}/replies`);
  const media = details.media.get(status.id) ?? [];
  const values = {
    id: new URL(status.uri!),
    attribution: new URL(author.uri),
    replyTarget: status.inReplyToId && details.parents.has(status.inReplyToId) ? new URL(details.parents.get(status.inReplyToId)!) : null,
    published: instant(status.createdAt),
    updated: status.editedAt ? instant(status.editedAt) : null,
    url: status.url ? new URL(status.url) : null,
    tos: to,
    ccs: cc,
    sensitive: status.sensitive || author.sensitizedAt !== null,
    summary: status.spoilerText || null,
    contents: status.language ? [status.content, new LanguageString(status.content, status.language)] : [status.content],
    tags: [
      ...(details.mentions.get(status.id) ?? []).map((mention) => new Mention({ href: new URL(mention.uri), name: `@${mention.acct}` })),
      ...(details.tags.get(status.id) ?? []).map((name) => new Hashtag({ href: new URL(tagUrl(ctx, name)), name: `#${name}` })),
      ...emojiTags(ctx, details.emojis.get(status.id) ?? []),
    ],
    contexts: conversation?.startsWith('http') ? [new URL(conversation)] : [],
    replies: new Collection({ id: repliesUri, first: firstPageUrl(repliesUri) }),
    attachments: media.map((row) => attachmentDocument(ctx, row)),
    conversation,
    media: media.map(mediaExtra),
  };
  const poll = status.pollId ? details.polls.get(status.pollId) : undefined;
  if (!poll) return new MastodonNote(values);
  const expired = poll.expiresAt !== null && poll.expiresAt.getTime() <= Date.now();
  return new MastodonQuestion({
    ...values,
    ...(poll.multiple ? { inclusiveOptions: pollOptions(poll) } : { exclusiveOptions: pollOptions(poll) }),
    endTime: poll.expiresAt ? instant(poll.expiresAt) : null,
    closed: expired && poll.expiresAt ? instant(poll.expiresAt) : null,
    voters: poll.votersCount,
  });
}

function buildActivity(fctx: FederationContext, authored: AuthoredStatus, details: StatusDetails): MastodonCreate | MastodonAnnounce | null {
  const { status, author } = authored;
  if (status.reblogOfId) {
    const boosted = details.boosted.get(status.reblogOfId);
    if (!boosted) return null;
    const { to, cc } = audience(fctx, status, author, details);
    return new MastodonAnnounce({ id: new URL(status.uri!), actor: new URL(author.uri), published: instant(status.createdAt), tos: to, ccs: cc, object: new URL(boosted.uri) });
  }
  const object = buildObject(fctx, authored, details);
  return new MastodonCreate({
    id: new URL(`${status.uri}/activity`),
    actor: new URL(author.uri),
    published: instant(status.createdAt),
    tos: object.toIds,
    ccs: object.ccIds,
    object,
    conversation: object.conversation,
    media: object.media,
  });
}

/** The Note (or Question, for a poll) of each local status that is not a boost, in order. */
export async function statusObjects(fctx: FederationContext, rows: AuthoredStatus[]): Promise<(MastodonNote | MastodonQuestion)[]> {
  const originals = rows.filter((row) => !row.status.reblogOfId && row.status.uri);
  const details = await loadDetails(
    fctx.data,
    originals.map((row) => row.status),
  );
  return originals.map((row) => buildObject(fctx, row, details));
}

/** The activity each local status stands for: its Create, or for a boost its Announce. */
export async function statusActivities(fctx: FederationContext, rows: AuthoredStatus[]): Promise<(MastodonCreate | MastodonAnnounce)[]> {
  const withUri = rows.filter((row) => row.status.uri);
  const details = await loadDetails(
    fctx.data,
    withUri.map((row) => row.status),
  );
  return withUri.flatMap((row) => buildActivity(fctx, row, details) ?? []);
}

/**
 * A local status that has not been deleted, of the local account an actor path names (`users/<username>`,
 * or `ap/users/<id>` for an account known by its numeric id), or undefined.
 */
export async function findLocalStatus(ctx: AppContext, actorPath: string, id: string): Promise<AuthoredStatus | undefined> {
  const statusId = rowId(id);
  const actor = actorOfIdentifier(actorPath);
  if (!statusId || !actor) return undefined;
  const author = 'username' in actor ? sql`lower(${accounts.username}) = lower(${actor.username})` : and(eq(accounts.id, actor.id), eq(accounts.numericApId, true));
  const [row] = await ctx.db
    .select({ status: statuses, author: accounts })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, statusId), eq(statuses.local, true), isNull(statuses.deletedAt), isNull(accounts.domain), author));
  return row;
}
