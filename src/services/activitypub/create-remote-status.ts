import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { accounts, conversations, customEmojis, mediaAttachments, mentions, polls, statuses, tombstones } from '../../db/schema.ts';
import { htmlToPlainText } from '../../lib/filter-matching.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { distributionRequest, recordPendingDistribution } from '../feeds/pending-distributions.ts';
import { linkCrawlRequest } from '../statuses/preview-cards/preview-cards.ts';
import { enqueueTogether } from '../../jobs/enqueue.ts';
import { queueEmojiDownloads } from './remote-emoji-cache.ts';
import { queueRemoteMediaDownloads } from './remote-media-cache.ts';
import { attachTags, refreshRepliesCount, type StatusRow } from '../statuses/post-status.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface RemoteEmoji {
  shortcode: string;
  imageUrl: string;
  /** its ActivityPub id, and when its server last changed it (a newer one is downloaded again) */
  uri?: string | null;
  updatedAt?: Date | null;
}

export interface RemotePoll {
  options: string[];
  tallies: number[];
  multiple: boolean;
  expiresAt: Date | null;
  votersCount: number | null;
}

/** A remote attachment as the author's server describes it (its file is downloaded afterwards, in `pull`). */
export interface RemoteMedia {
  type: 'image' | 'gifv' | 'video' | 'audio' | 'unknown';
  remoteUrl: string;
  contentType: string | null;
  description: string | null;
  blurhash: string | null;
  /** Mastodon's `meta`: `original` dimensions and `focus`, when known */
  meta: Record<string, unknown> | null;
}

/** A remote status as the federation layer read it: validated, bounded, sanitized, its references resolved. */
export interface RemoteStatusInput {
  uri: string;
  url: string | null;
  /** sanitized HTML */
  content: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  visibility: 'public' | 'unlisted' | 'private' | 'direct' | 'limited';
  published: Date | null;
  /** when the author last edited it, if it was edited before it arrived */
  editedAt: Date | null;
  /** the status replied to, when known here */
  parent: StatusRow | undefined;
  conversationUri: string | null;
  /** accounts the status mentions (notified) */
  mentionedAccountIds: string[];
  /** accounts it is addressed to without mentioning them: silent mentions, which let them see it */
  audienceAccountIds: string[];
  hashtags: string[];
  emojis: RemoteEmoji[];
  poll: RemotePoll | null;
  /** its attachments, in order (none when the author's domain has its media rejected) */
  media?: RemoteMedia[];
  /** whether custom emoji from the author's domain are refused (a domain block with reject_media) */
  rejectMedia?: boolean;
}

/** Rows of media_attachments for a status's attachments, positioned in order. */
export function mediaRows(author: AccountRow, statusId: string, media: RemoteMedia[]) {
  return media.map((item, position) => ({
    statusId,
    accountId: author.id,
    type: item.type,
    remoteUrl: item.remoteUrl,
    contentType: item.contentType,
    description: item.description,
    blurhash: item.blurhash,
    meta: item.meta,
    position,
  }));
}

/** Statuses older than this are stored but not put in feeds (Mastodon's Status::REAL_TIME_WINDOW). */
const REAL_TIME_WINDOW_MS = 6 * 60 * 60 * 1000;

class LostRace extends Error {}

/** The local conversation a `tag:<local domain>,<date>:objectId=<id>:objectType=Conversation` names (OStatus::TagManager#local_id?). */
function localConversationId(ctx: AppContext, uri: string): string | undefined {
  const match = /^tag:([^,]+),\d{4}-\d{2}-\d{2}:objectId=(\d{1,19}):objectType=Conversation$/.exec(uri);
  return match && match[1] === ctx.config.localDomain ? match[2] : undefined;
}

/** Activity::Create#conversation_from_uri, then the thread's (Status#set_conversation), else a new one. */
async function conversationFor(ctx: AppContext, tx: Tx, uri: string | null, parent: StatusRow | undefined): Promise<string> {
  if (uri) {
    const localId = localConversationId(ctx, uri);
    const [found] = localId
      ? await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, localId)).limit(1)
      : await tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.uri, uri)).limit(1);
    if (found) return found.id;
    if (!localId) return (await tx.insert(conversations).values({ uri }).returning({ id: conversations.id }))[0]!.id;
  }
  if (parent?.conversationId) return parent.conversationId;
  return (await tx.insert(conversations).values({}).returning({ id: conversations.id }))[0]!.id;
}

type RelatednessInput = Pick<RemoteStatusInput, 'parent' | 'mentionedAccountIds' | 'audienceAccountIds'>;

/** Whether a status concerns this instance (Activity#related_to_local_activity?), as SQL: otherwise nobody here would see it. */
function relatedToLocalActivity(author: AccountRow, input: RelatednessInput): SQL {
  const addressed = [...input.mentionedAccountIds, ...input.audienceAccountIds];
  return sql`(EXISTS (SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ${author.id} AND a.domain IS NULL)
        ${
          addressed.length
            ? sql`OR EXISTS (SELECT 1 FROM accounts a WHERE a.domain IS NULL AND a.id IN (${sql.join(
                addressed.map((id) => sql`${id}`),
                sql`, `,
              )}))`
            : sql``
        }
        ${
          input.parent
            ? sql`OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = ${input.parent.accountId} AND a.domain IS NULL)
          OR EXISTS (SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = ${input.parent.accountId} AND a.domain IS NULL)`
            : sql``
        })`;
}

/** Whether a status concerns this instance (Activity#related_to_local_activity?): otherwise nobody here would see it. */
export async function isRelatedToLocalActivity(ctx: AppContext, author: AccountRow, input: RelatednessInput): Promise<boolean> {
  const [row] = await queryRows<{ related: boolean }>(ctx.db, sql`SELECT ${relatedToLocalActivity(author, input)} AS related`);
  return !!row?.related;
}

/**
 * Whether a remote status is known already (a repeated delivery), else whether it is to be stored: no
 * deleted status left its URI behind, and it concerns this instance (or was fetched). One statement.
 */
async function storability(ctx: AppContext, author: AccountRow, input: RemoteStatusInput, fetched: boolean): Promise<'known' | 'storable' | 'refused'> {
  const known = sql`EXISTS (SELECT 1 FROM ${statuses} WHERE ${statuses.uri} = ${input.uri})`;
  const tombstoned = sql`EXISTS (SELECT 1 FROM ${tombstones} WHERE ${tombstones.uri} = ${input.uri})`;
  const [row] = await queryRows<{ known: boolean; storable: boolean }>(
    ctx.db,
    sql`SELECT ${known} AS known, NOT ${tombstoned} AND ${fetched ? sql`true` : relatedToLocalActivity(author, input)} AS storable`,
  );
  return row?.known ? 'known' : row?.storable ? 'storable' : 'refused';
}

/** Whether a deleted status left this URI behind. */
export async function isTombstoned(ctx: AppContext, uri: string): Promise<boolean> {
  const [row] = await ctx.db.select({ id: tombstones.id }).from(tombstones).where(eq(tombstones.uri, uri)).limit(1);
  return !!row;
}

export async function findStatusByUri(ctx: AppContext, uri: string): Promise<StatusRow | undefined> {
  const [row] = await ctx.db.select().from(statuses).where(eq(statuses.uri, uri)).limit(1);
  return row;
}

/**
 * Remote custom emoji stored (Mastodon's Activity#process_emoji): a new one, one whose image URL
 * changed, one its server says changed since, or one whose image is not stored yet is returned, for
 * its image to be downloaded; the stored copy stays until then.
 */
export async function storeRemoteEmojis(db: Tx | Database, domain: string, emojis: RemoteEmoji[]): Promise<string[]> {
  const due: string[] = [];
  for (const emoji of emojis) {
    const updated = emoji.updatedAt && emoji.updatedAt.getTime() <= Date.now() ? emoji.updatedAt.toISOString() : null;
    const rows = await queryRows<{ id: string }>(
      db as Database,
      sql`INSERT INTO ${customEmojis} (shortcode, domain, image_url, static_image_url, uri, visible_in_picker)
        VALUES (${emoji.shortcode}, ${domain}, ${emoji.imageUrl}, ${emoji.imageUrl}, ${emoji.uri ?? null}, false)
        ON CONFLICT (shortcode, coalesce(domain, '')) DO UPDATE
          SET image_url = excluded.image_url, static_image_url = excluded.static_image_url, uri = coalesce(excluded.uri, ${customEmojis}.uri), updated_at = now()
          WHERE ${customEmojis}.image_url IS DISTINCT FROM excluded.image_url OR ${customEmojis}.image_file_key IS NULL
            OR ${updated}::timestamptz >= ${customEmojis}.updated_at
        RETURNING id::text AS id`,
    );
    due.push(...rows.map((row) => row.id));
  }
  return due;
}

/** Writes a remote poll for a status (votes_count is the sum of the tallies the author's server gave). */
export function remotePollValues(author: AccountRow, statusId: string, poll: RemotePoll) {
  const votesCount = poll.tallies.reduce((sum, n) => sum + n, 0);
  return {
    accountId: author.id,
    statusId,
    options: poll.options,
    cachedTallies: poll.tallies,
    multiple: poll.multiple,
    expiresAt: poll.expiresAt,
    votesCount,
    votersCount: poll.votersCount ?? (poll.multiple ? 0 : votesCount),
  };
}

/**
 * Stores a status another server sent (Mastodon's ActivityPub::Activity::Create#process_status):
 * unless it is known already (a repeated delivery stores nothing twice), was deleted, or concerns
 * nobody here. The status, its mentions (addressed accounts as silent ones, which make a direct
 * message `limited`), tags, poll and emoji are written in one transaction; then it goes through
 * the same fan-out as a local post (feeds, streaming, mention notifications), unless it is older
 * than the real-time window; its attachments and new emoji images are downloaded in `pull`. A status this instance `fetched` itself (the one a boost is of) is
 * stored whoever it concerns. Returns the status and whether this call made it.
 */
export async function createRemoteStatus(
  ctx: AppContext,
  author: AccountRow,
  input: RemoteStatusInput,
  options: { fetched?: boolean } = {},
): Promise<{ status: StatusRow; created: boolean } | undefined> {
  const storable = await storability(ctx, author, input, !!options.fetched);
  if (storable === 'refused') return undefined;
  if (storable === 'known') {
    const existing = await findStatusByUri(ctx, input.uri);
    return existing?.accountId === author.id ? { status: existing, created: false } : undefined;
  }

  const silent = [...new Set(input.audienceAccountIds)].filter((id) => !input.mentionedAccountIds.includes(id) && id !== author.id);
  const mentioned = [...new Set(input.mentionedAccountIds)];
  const visibility = input.visibility === 'direct' && silent.length > 0 ? 'limited' : input.visibility;
  const published = input.published && input.published.getTime() < Date.now() ? input.published : new Date();
  const realtime = Date.now() - published.getTime() <= REAL_TIME_WINDOW_MS;

  let status: StatusRow;
  const emojisDue: string[] = [];
  try {
    status = await ctx.db.transaction(async (tx) => {
      const conversationId = await conversationFor(ctx, tx, input.conversationUri, input.parent);
      const [row] = await tx
        .insert(statuses)
        .values({
          id: sql`timestamp_id(${published.toISOString()}::timestamptz)`,
          uri: input.uri,
          url: input.url,
          accountId: author.id,
          text: htmlToPlainText(input.content),
          content: input.content,
          spoilerText: input.spoilerText,
          sensitive: input.sensitive,
          visibility,
          language: input.language,
          inReplyToId: input.parent?.id ?? null,
          inReplyToAccountId: input.parent?.accountId ?? null,
          conversationId,
          local: false,
          createdAt: published,
          updatedAt: published,
          editedAt: input.editedAt && input.editedAt.getTime() > published.getTime() && input.editedAt.getTime() <= Date.now() ? input.editedAt : null,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new LostRace();
      let pollId: string | null = null;
      if (input.poll) {
        const [poll] = await tx
          .insert(polls)
          .values(remotePollValues(author, row.id, input.poll))
          .returning({ id: polls.id });
        pollId = poll!.id;
        await tx.update(statuses).set({ pollId }).where(eq(statuses.id, row.id));
      }
      const mentionRows = [...mentioned.map((accountId) => ({ statusId: row.id, accountId, silent: false })), ...silent.map((accountId) => ({ statusId: row.id, accountId, silent: true }))];
      if (mentionRows.length) await tx.insert(mentions).values(mentionRows).onConflictDoNothing();
      await attachTags(tx, row.id, input.hashtags);
      if (input.media?.length) await tx.insert(mediaAttachments).values(mediaRows(author, row.id, input.media));
      if (author.domain && !input.rejectMedia) emojisDue.push(...(await storeRemoteEmojis(tx, author.domain, input.emojis)));
      if (visibility !== 'direct') {
        await tx
          .update(accounts)
          .set({ statusesCount: sql`${accounts.statusesCount} + 1`, lastStatusAt: sql`now()` })
          .where(eq(accounts.id, author.id));
      }
      if (input.parent) await refreshRepliesCount(tx, input.parent.id);
      if (realtime) await recordPendingDistribution(tx, row.id);
      return { ...row, pollId };
    });
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
    const winner = await findStatusByUri(ctx, input.uri);
    return winner && winner.accountId === author.id ? { status: winner, created: false } : undefined;
  }

  await forgetAccounts(ctx, [author.id]);
  // ActivityPub::Activity::Create#distribute: the fan-out, and the card fetched within a minute, not at once; queued in one go
  await enqueueTogether(ctx, [...(realtime ? [distributionRequest(ctx, status.id)] : []), linkCrawlRequest(ctx, status.id, { spread: true })]);
  if (input.media?.length && !input.rejectMedia) await queueRemoteMediaDownloads(ctx, status.id, author.domain);
  if (emojisDue.length) await queueEmojiDownloads(ctx, emojisDue);
  return { status, created: true };
}

/** The remote status with this URI by this account, if it is live. */
export async function findRemoteStatus(ctx: AppContext, author: AccountRow, uri: string): Promise<StatusRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.uri, uri), eq(statuses.accountId, author.id), sql`${statuses.deletedAt} IS NULL`))
    .limit(1);
  return row;
}
