import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { FeedKey } from '../../backends/feeds/index.ts';
import type { AppContext } from '../../context.ts';
import { accountConversations, accounts, lists, mentions, statuses, statusesTags, tags } from '../../db/schema.ts';
import { renderStatus, renderStatusForViewers } from '../../presenters/statuses.ts';
import type { StatusRow } from '../../serializers/status.ts';
import { channels, listenedChannels, publishToStream, type StreamEventName } from '../../streaming/channels.ts';
import { renderConversations } from '../../presenters/conversations.ts';

/*
 * What fan-out tells the streaming tier about statuses (Mastodon's FanOutOnWriteService pushes,
 * FeedManager#unpush and RemoveStatusService): per-recipient payloads go only to channels a
 * streaming process listens to; public and hashtag payloads are rendered once, without a viewer.
 */

const ownersOf = (feeds: FeedKey[], prefix: 'home:' | 'list:') => feeds.filter((feed) => feed.startsWith(prefix)).map((feed) => feed.slice(prefix.length));

/** The ids among `ids` whose channel (made by `channel`) is listened to. */
async function listened(ctx: AppContext, ids: string[], channel: (id: string) => string): Promise<string[]> {
  const wanted = new Set(await listenedChannels(ctx, ids.map(channel)));
  return ids.filter((id) => wanted.has(channel(id)));
}

interface PublicFacts {
  local: boolean;
  silenced: boolean;
  tagNames: string[];
}

async function publicFacts(ctx: AppContext, row: StatusRow): Promise<PublicFacts | undefined> {
  const [author] = await ctx.db.select({ domain: accounts.domain, silencedAt: accounts.silencedAt }).from(accounts).where(eq(accounts.id, row.accountId));
  if (!author) return undefined;
  const tagRows = await ctx.db.select({ name: tags.name }).from(statusesTags).innerJoin(tags, eq(tags.id, statusesTags.tagId)).where(eq(statusesTags.statusId, row.id));
  return { local: author.domain === null, silenced: author.silencedAt !== null, tagNames: tagRows.map((tag) => tag.name) };
}

/** The public and hashtag channels a status goes to, if any (FanOutOnWriteService#broadcastable?). */
function publicChannels(row: StatusRow, facts: PublicFacts, hasMedia: boolean): string[] {
  if (row.visibility !== 'public' || row.reblogOfId || facts.silenced) return [];
  const scope = facts.local ? 'local' : 'remote';
  const names = facts.tagNames.flatMap((name) => [channels.hashtag(name), ...(facts.local ? [channels.hashtag(name, true)] : [])]);
  // replies to others stay out of the public streams but not out of hashtag streams
  if (!row.inReplyToAccountId || row.inReplyToAccountId === row.accountId) {
    names.push(channels.public('all'), channels.public(scope));
    if (hasMedia) names.push(channels.public('all', true), channels.public(scope, true));
  }
  return names;
}

type StatusEvent = Extract<StreamEventName, 'update' | 'status.update'>;

async function liveStatus(ctx: AppContext, statusId: string): Promise<StatusRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, statusId), isNull(statuses.deletedAt)));
  return row;
}

/**
 * Streams a new (`update`) or edited (`status.update`) status to the public and hashtag streams,
 * rendered once without a viewer, and only when a streaming process listens to one of them (as
 * for home feeds: nobody would receive it). A new status is broadcast once, however often its job runs.
 * `known`: the live row and its facts, when the caller has read them.
 */
export async function streamToPublic(ctx: AppContext, statusId: string, event: StatusEvent, known?: PublicFacts & { row: StatusRow }) {
  const row = known?.row ?? (await liveStatus(ctx, statusId));
  if (!row) return;
  const facts = known ?? (await publicFacts(ctx, row));
  if (!facts) return;
  // the media variants among the candidates: whether it has media is known once it is rendered
  const candidates = publicChannels(row, facts, true);
  if (candidates.length === 0 || (await listenedChannels(ctx, candidates)).length === 0) return;
  const anonymous = await renderStatus(ctx, row, { viewerId: null });
  const hasMedia = Array.isArray(anonymous.media_attachments) && anonymous.media_attachments.length > 0;
  const targets = publicChannels(row, facts, hasMedia);
  if (targets.length === 0) return;
  if (event === 'update' && !(await ctx.cache.setIfAbsent(`streamed:${statusId}`, '1', 24 * 60 * 60))) return;
  const payload = JSON.stringify(anonymous);
  await Promise.all(targets.map((channel) => publishToStream(ctx, channel, event, payload)));
}

/** Streams a new or edited status to the listened home and list streams among `feeds`, rendered for each owner. */
export async function streamToFeeds(ctx: AppContext, statusId: string, event: StatusEvent, feeds: FeedKey[]) {
  const homeOwners = await listened(ctx, ownersOf(feeds, 'home:'), channels.home);
  const listIds = await listened(ctx, ownersOf(feeds, 'list:'), channels.list);
  if (homeOwners.length === 0 && listIds.length === 0) return;
  const row = await liveStatus(ctx, statusId);
  if (!row) return;
  const listOwners = listIds.length ? await ctx.db.select({ id: lists.id, accountId: lists.accountId }).from(lists).where(inArray(lists.id, listIds)) : [];
  const viewers = [...new Set([...homeOwners, ...listOwners.map((list) => list.accountId)])];
  const rendered = await renderStatusForViewers(ctx, row, viewers);
  // all at once: the broker pipelines them, and the last recipient does not wait for the first
  await Promise.all([
    ...homeOwners.map((owner) => publishToStream(ctx, channels.home(owner), event, rendered.get(owner))),
    ...listOwners.map((list) => publishToStream(ctx, channels.list(list.id), event, rendered.get(list.accountId))),
  ]);
}

/** Streams `delete` for a status that left these feeds, and to the public streams it was on. */
export async function streamDeletion(ctx: AppContext, statusId: string, feeds: FeedKey[]) {
  const homeOwners = await listened(ctx, ownersOf(feeds, 'home:'), channels.home);
  const listIds = await listened(ctx, ownersOf(feeds, 'list:'), channels.list);
  for (const owner of homeOwners) await publishToStream(ctx, channels.home(owner), 'delete', statusId);
  for (const listId of listIds) await publishToStream(ctx, channels.list(listId), 'delete', statusId);

  const [row] = await ctx.db.select().from(statuses).where(eq(statuses.id, statusId));
  if (!row) return;
  if (row.visibility === 'direct') {
    const mentioned = await ctx.db.select({ accountId: mentions.accountId }).from(mentions).where(eq(mentions.statusId, statusId));
    const participants = await listened(ctx, [...new Set([row.accountId, ...mentioned.map((m) => m.accountId)])], channels.direct);
    for (const accountId of participants) await publishToStream(ctx, channels.direct(accountId), 'delete', statusId);
  }
  const facts = await publicFacts(ctx, row);
  if (!facts) return;
  // media variants too: a client on public:media must drop it as well
  const all = new Set(publicChannels(row, facts, true));
  for (const channel of all) await publishToStream(ctx, channel, 'delete', statusId);
}

/** Streams the updated conversation to each local participant's `direct` stream (PushConversationWorker). */
export async function streamConversations(ctx: AppContext, statusId: string) {
  const rows = await ctx.db.select().from(accountConversations).where(eq(accountConversations.lastStatusId, statusId));
  const wanted = new Set(
    await listenedChannels(
      ctx,
      rows.map((row) => channels.direct(row.accountId)),
    ),
  );
  for (const row of rows) {
    if (!wanted.has(channels.direct(row.accountId))) continue;
    const [conversation] = await renderConversations(ctx, row.accountId, [row]);
    if (conversation) await publishToStream(ctx, channels.direct(row.accountId), 'conversation', conversation);
  }
}
