import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Database } from '../../db/index.ts';
import { mediaAttachments, mentions, pollVotes, polls, statusEdits, statuses, statusesTags } from '../../db/schema.ts';
import { Distribution } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { crawlLinks, detachCard } from '../statuses/preview-cards/preview-cards.ts';
import { mediaRows, remotePollValues, storeRemoteEmojis, type RemoteMedia, type RemoteStatusInput } from './create-remote-status.ts';
import { htmlToPlainText } from '../../lib/filter-matching.ts';
import { deleteMediaFiles } from '../media/media-attachments.ts';
import { queueEmojiDownloads } from './remote-emoji-cache.ts';
import { queueRemoteMediaDownloads } from './remote-media-cache.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { attachTags, type StatusRow } from '../statuses/post-status.ts';
import type { MediaAttachmentRow, PollRow } from '../../db/schema.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';
import { notifyRebloggersOfEdit } from '../notifications/notify-edit.ts';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
type MediaFiles = Pick<MediaAttachmentRow, 'fileKey' | 'smallFileKey'>;

/** What an Update of a status carries: its new version, and when it was edited (none for a poll's new counts). */
export type RemoteEditInput = Omit<RemoteStatusInput, 'uri' | 'url' | 'visibility' | 'published' | 'parent' | 'conversationUri' | 'audienceAccountIds'>;

const sameOptions = (poll: PollRow, input: NonNullable<RemoteEditInput['poll']>) =>
  poll.multiple === input.multiple && poll.options.length === input.options.length && poll.options.every((option, i) => option === input.options[i]);

async function currentPoll(tx: Tx, status: StatusRow): Promise<PollRow | undefined> {
  if (!status.pollId) return undefined;
  const [poll] = await tx.select().from(polls).where(eq(polls.id, status.pollId)).limit(1);
  return poll;
}

/** UpdateStatusService#update_poll!: new counts always; new options (votes reset) only with an edit. Returns the poll id and whether the options changed. */
async function updatePoll(tx: Tx, author: AccountRow, status: StatusRow, input: RemoteEditInput['poll'], allowChanges: boolean): Promise<{ pollId: string | null; changed: boolean }> {
  const previous = await currentPoll(tx, status);
  if (!input) {
    if (!previous || !allowChanges) return { pollId: previous?.id ?? null, changed: false };
    await tx.delete(polls).where(eq(polls.id, previous.id));
    return { pollId: null, changed: true };
  }
  const changed = !previous || !sameOptions(previous, input);
  if (changed && !allowChanges) return { pollId: previous?.id ?? null, changed: false };
  const values = remotePollValues(author, status.id, input);
  if (!previous) {
    const [created] = await tx.insert(polls).values(values).returning({ id: polls.id });
    return { pollId: created!.id, changed: true };
  }
  if (changed) await tx.delete(pollVotes).where(eq(pollVotes.pollId, previous.id));
  await tx
    .update(polls)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(polls.id, previous.id));
  return { pollId: previous.id, changed };
}

/**
 * The attachments as the new version has them (ProcessStatusUpdateService#update_media_attachments!):
 * one with the same URL is kept (its id stays, and its cached copy) and updated, new ones are added,
 * dropped ones removed (their cached files, put in `droppedFiles`, are deleted once the edit is
 * stored). Returns whether the set, its order, or an attachment's URL or description changed.
 */
function withFocus(meta: Record<string, unknown> | null, focus: unknown): Record<string, unknown> | null {
  const { focus: _previous, ...rest } = meta ?? {};
  const next = focus ? { ...rest, focus } : rest;
  return Object.keys(next).length ? next : null;
}

async function updateMedia(tx: Tx, author: AccountRow, status: StatusRow, next: RemoteMedia[], droppedFiles: MediaFiles[]): Promise<boolean> {
  const previous = await tx.select().from(mediaAttachments).where(eq(mediaAttachments.statusId, status.id)).orderBy(mediaAttachments.position, mediaAttachments.id);
  let changed = false;
  const kept: string[] = [];
  for (const [position, item] of next.entries()) {
    const match = previous.find((row) => row.remoteUrl === item.remoteUrl && !kept.includes(row.id));
    if (!match) {
      changed = true;
      const [row] = await tx
        .insert(mediaAttachments)
        .values(mediaRows(author, status.id, [item]).map((values) => ({ ...values, position })))
        .returning({ id: mediaAttachments.id });
      kept.push(row!.id);
      continue;
    }
    if ((match.description ?? null) !== item.description) changed = true;
    kept.push(match.id);
    // a cached copy keeps what its file says (type, sizes); the author's description, blurhash and focus are taken anew
    const values = match.fileKey
      ? { blurhash: item.blurhash ?? match.blurhash, meta: withFocus(match.meta, item.meta?.focus) }
      : { type: item.type, contentType: item.contentType, blurhash: item.blurhash, meta: item.meta };
    await tx
      .update(mediaAttachments)
      .set({ ...values, description: item.description, position, updatedAt: sql`now()` })
      .where(eq(mediaAttachments.id, match.id));
  }
  const dropped = previous.filter((row) => !kept.includes(row.id));
  if (dropped.length)
    await tx.delete(mediaAttachments).where(
      inArray(
        mediaAttachments.id,
        dropped.map((row) => row.id),
      ),
    );
  droppedFiles.push(...dropped);
  if (previous.map((row) => row.id).join() !== kept.join()) changed = true;
  return changed;
}

/** Mentions as the new version has them; ones it dropped stay, silent (UpdateStatusService#update_mentions!). */
async function updateMentions(tx: Tx, statusId: string, mentioned: string[]) {
  if (mentioned.length) {
    await tx
      .insert(mentions)
      .values(mentioned.map((accountId) => ({ statusId, accountId })))
      .onConflictDoUpdate({ target: [mentions.statusId, mentions.accountId], set: { silent: false } });
    await tx
      .update(mentions)
      .set({ silent: true })
      .where(and(eq(mentions.statusId, statusId), notInArray(mentions.accountId, mentioned)));
  } else {
    await tx.update(mentions).set({ silent: true }).where(eq(mentions.statusId, statusId));
  }
}

function snapshot(status: Pick<StatusRow, 'id' | 'accountId' | 'text' | 'content' | 'spoilerText' | 'sensitive'>, pollOptions: string[] | null, at: Date) {
  return { statusId: status.id, accountId: status.accountId, text: status.text, content: status.content, spoilerText: status.spoilerText, sensitive: status.sensitive, pollOptions, createdAt: at };
}

/**
 * Applies another server's Update of one of its statuses (Mastodon's
 * ActivityPub::ProcessStatusUpdateService). An Update dated after the last known edit is an edit:
 * the original is kept as the first revision, the text, warning, sensitivity, language, poll,
 * mentions, tags and emoji are replaced, and when something visible changed a revision is stored,
 * edited_at set, the new version streamed and local rebloggers told. An Update without a newer
 * date only refreshes a poll's counts (how a remote poll's results arrive). Older Updates are ignored.
 */
export async function editRemoteStatus(ctx: AppContext, author: AccountRow, status: StatusRow, input: RemoteEditInput): Promise<StatusRow> {
  if (status.editedAt && input.editedAt && status.editedAt.getTime() > input.editedAt.getTime()) return status;
  const explicit = input.editedAt !== null && input.editedAt.getTime() <= Date.now() + 60_000 && (!status.editedAt || input.editedAt.getTime() > status.editedAt.getTime());
  if (!explicit) {
    // an Update without a new edit time still brings the poll's tallies
    await ctx.db.transaction((tx) => updatePoll(tx, author, status, input.poll, false));
    await forgetStatusParts(ctx, [status.id]);
    return status;
  }

  const editedAt = input.editedAt!;
  const droppedFiles: MediaFiles[] = [];
  const emojisDue: string[] = [];
  const { updated, significant } = await ctx.db.transaction(async (tx) => {
    const [{ count }] = (await tx.select({ count: sql<number>`count(*)::int` }).from(statusEdits).where(eq(statusEdits.statusId, status.id))) as [{ count: number }];
    const previousPoll = await currentPoll(tx, status);
    const { pollId, changed: pollChanged } = await updatePoll(tx, author, status, input.poll, true);
    const mediaChanged = await updateMedia(tx, author, status, input.media ?? [], droppedFiles);
    const significant = pollChanged || mediaChanged || input.content !== status.content || input.spoilerText !== status.spoilerText;
    if (count === 0 && significant) await tx.insert(statusEdits).values(snapshot(status, previousPoll?.options ?? null, status.createdAt));
    const [row] = await tx
      .update(statuses)
      .set({
        text: htmlToPlainText(input.content),
        content: input.content,
        spoilerText: input.spoilerText,
        sensitive: input.sensitive,
        language: input.language,
        pollId,
        ...(significant ? { editedAt } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(statuses.id, status.id))
      .returning();
    await updateMentions(tx, status.id, [...new Set(input.mentionedAccountIds)]);
    await tx.delete(statusesTags).where(eq(statusesTags.statusId, status.id));
    await attachTags(tx, status.id, input.hashtags);
    if (author.domain && !input.rejectMedia) emojisDue.push(...(await storeRemoteEmojis(tx, author.domain, input.emojis)));
    if (significant) await tx.insert(statusEdits).values(snapshot(row!, input.poll?.options ?? null, editedAt));
    // ProcessStatusUpdateService#reset_preview_card!
    if (significant) await detachCard(tx, status.id);
    return { updated: row!, significant };
  });
  await deleteMediaFiles(ctx, droppedFiles);
  if (!input.rejectMedia) await queueRemoteMediaDownloads(ctx, updated.id, author.domain);
  if (emojisDue.length) await queueEmojiDownloads(ctx, emojisDue);

  if (significant) {
    await enqueue(ctx, Distribution, { statusId: updated.id, update: true }, { uniqueKey: `distribution-update:${updated.id}` }).catch((error: unknown) =>
      ctx.log.warn({ err: error, statusId: updated.id }, 'could not enqueue the streaming of an edit'),
    );
    await notifyRebloggersOfEdit(ctx, updated);
    await crawlLinks(ctx, updated.id, { spread: true });
  }
  await forgetStatusParts(ctx, [updated.id]);
  return updated;
}
