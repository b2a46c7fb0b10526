import { and, asc, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';
import { mentions, pollVotes, polls, statusEdits, statuses, statusesTags } from '../../db/schema.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { Distribution, PollExpirationNotify } from '../../jobs/definitions.ts';
import { crawlLinks, detachCard } from './preview-cards/preview-cards.ts';
import { INSTANCE_LIMITS } from '../../lib/instance-limits.ts';
import { isLanguageCode } from './languages.ts';
import { attachTags, notifyMentioned, validatePoll, type Author, type PollInput, type StatusRow, type ValidPoll } from './post-status.ts';
import { rateLimitStatus, recordRateLimit, type RateLimitHeaders } from '../instance/rate-limiter.ts';
import { countableLength, formatStatus, type RemoteAccountResolver } from './text/format-status.ts';
import { isRowId } from '../../lib/ids.ts';
import { deliverStatus } from '../activitypub/status-deliveries.ts';
import { attachableMedia, attachedMediaIds, attachMedia, updateAttachedMedia, type MediaChanges } from '../media/media-attachments.ts';
import type { StatusEditRow } from '../../db/schema.ts';
import { forgetStatusParts } from '../../presenters/status-parts-cache.ts';
import { notifyRebloggersOfEdit } from '../notifications/notify-edit.ts';

export type { StatusEditRow };

/** What PUT /api/v1/statuses/:id carries. As in Mastodon, an edit replaces the text, warning, sensitivity and poll entirely. */
export interface EditStatusInput {
  text?: string;
  spoilerText?: string;
  sensitive?: boolean | null;
  language?: string | null;
  poll?: PollInput | null;
  /** absent means none, as Mastodon's controller always passes `media_ids` */
  mediaIds?: string[];
  /** description and focus of attachments the status keeps */
  mediaAttributes?: ({ id: string } & MediaChanges)[];
}

/** The author's own live, non-reblog status, or a 404 (Mastodon finds it among the author's statuses). */
export async function findOwnStatus(ctx: AppContext, accountId: string, id: string): Promise<StatusRow> {
  if (!isRowId(id)) throw notFound();
  const [row] = await ctx.db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, id), eq(statuses.accountId, accountId), isNull(statuses.deletedAt), isNull(statuses.reblogOfId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

async function pollOptionsOf(ctx: AppContext, pollId: string | null): Promise<string[] | null> {
  if (!pollId) return null;
  const [poll] = await ctx.db.select({ options: polls.options }).from(polls).where(eq(polls.id, pollId)).limit(1);
  return poll?.options ?? null;
}

/**
 * Edits a status (UpdateStatusService): keeps the original as the first revision, replaces the
 * text, warning, sensitivity, language and poll (resetting votes when the options change),
 * re-reads mentions (removed ones become silent) and hashtags, stores the new revision and sets
 * edited_at. Counts against the statuses rate limit; publishes `status.updated` and tells the
 * mentioned and the rebloggers. With `resolveAccount`, newly mentioned remote accounts not known
 * here are fetched first, as when posting.
 */
export async function editStatus(
  ctx: AppContext,
  author: Author,
  statusId: string,
  input: EditStatusInput,
  options: { resolveAccount?: RemoteAccountResolver } = {},
): Promise<{ status: StatusRow; rateLimit: RateLimitHeaders }> {
  const current = await findOwnStatus(ctx, author.account.id, statusId);
  let text = input.text ?? '';
  let spoilerText = input.spoilerText ?? '';
  if (!text.trim() && spoilerText.trim()) {
    text = spoilerText;
    spoilerText = '';
  }
  const poll: ValidPoll | null = input.poll ? validatePoll(input.poll) : null;
  const media = await attachableMedia(ctx, author.account.id, input.mediaIds ?? [], { statusId: current.id, withPoll: !!poll });
  if (!text.trim() && !poll && !media.length) throw validationFailed(["Text can't be blank"]);
  const max = INSTANCE_LIMITS.statuses.max_characters;
  if (countableLength(spoilerText + text) > max) throw validationFailed([`Text character limit of ${max} exceeded`]);
  const requested = input.language?.trim().toLowerCase().split(/[-_]/)[0];
  const settings = author.user?.settings ?? {};
  const language = requested && isLanguageCode(requested) ? requested : (current.language ?? (settings.default_language || null));
  const sensitive = !!input.sensitive || !!spoilerText.trim();

  // an edit that changes nothing leaves the status as it is, without a revision (NoChangesSubmittedError)
  const previousMediaIds = await attachedMediaIds(ctx, current.id);
  const mediaUnchanged = !input.mediaAttributes?.length && previousMediaIds.join() === media.map((row) => row.id).join();
  const unchanged = mediaUnchanged && !poll && !current.pollId && text === current.text && spoilerText === current.spoilerText && sensitive === current.sensitive && language === current.language;
  if (unchanged) return { status: current, rateLimit: await rateLimitStatus(ctx, author.account.id, 'statuses') };

  const formatted = await formatStatus(ctx, text, options);
  const rateLimit = await recordRateLimit(ctx, author.account.id, 'statuses');
  const previousPollOptions = await pollOptionsOf(ctx, current.pollId);

  const updated = await ctx.db.transaction(async (tx) => {
    const [{ count }] = (await tx.select({ count: sql<number>`count(*)::int` }).from(statusEdits).where(eq(statusEdits.statusId, current.id))) as [{ count: number }];
    if (count === 0) {
      await tx.insert(statusEdits).values({
        statusId: current.id,
        accountId: current.accountId,
        text: current.text,
        content: current.content,
        spoilerText: current.spoilerText,
        sensitive: current.sensitive,
        pollOptions: previousPollOptions,
        mediaAttachmentIds: previousMediaIds,
        createdAt: current.createdAt,
      });
    }

    let pollId = current.pollId;
    if (poll) {
      const [existing] = pollId ? await tx.select().from(polls).where(eq(polls.id, pollId)).limit(1) : [];
      if (existing) {
        const changed = existing.options.length !== poll.options.length || existing.options.some((o, i) => o !== poll.options[i]) || existing.multiple !== poll.multiple;
        if (changed) await tx.delete(pollVotes).where(eq(pollVotes.pollId, existing.id));
        await tx
          .update(polls)
          .set({
            options: poll.options,
            multiple: poll.multiple,
            hideTotals: poll.hideTotals,
            expiresAt: poll.expiresAt,
            expiryNotifiedAt: null,
            updatedAt: sql`now()`,
            ...(changed ? { cachedTallies: poll.options.map(() => 0), votesCount: 0, votersCount: 0 } : {}),
          })
          .where(eq(polls.id, existing.id));
      } else {
        const [created] = await tx
          .insert(polls)
          .values({
            accountId: current.accountId,
            statusId: current.id,
            expiresAt: poll.expiresAt,
            options: poll.options,
            cachedTallies: poll.options.map(() => 0),
            multiple: poll.multiple,
            hideTotals: poll.hideTotals,
          })
          .returning({ id: polls.id });
        pollId = created!.id;
      }
    } else if (pollId) {
      await tx.delete(polls).where(eq(polls.id, pollId));
      pollId = null;
    }

    const [row] = await tx
      .update(statuses)
      .set({ text, content: formatted.html, spoilerText, sensitive, language, pollId, editedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(statuses.id, current.id))
      .returning();

    // mentions no longer in the text are kept, silenced; new ones are added
    if (formatted.mentionedAccountIds.length) {
      await tx
        .insert(mentions)
        .values(formatted.mentionedAccountIds.map((accountId) => ({ statusId: current.id, accountId })))
        .onConflictDoUpdate({ target: [mentions.statusId, mentions.accountId], set: { silent: false } });
      await tx
        .update(mentions)
        .set({ silent: true })
        .where(and(eq(mentions.statusId, current.id), notInArray(mentions.accountId, formatted.mentionedAccountIds)));
    } else {
      await tx.update(mentions).set({ silent: true }).where(eq(mentions.statusId, current.id));
    }
    await tx.delete(statusesTags).where(eq(statusesTags.statusId, current.id));
    await attachTags(tx, current.id, formatted.tagNames);
    await attachMedia(tx, current.id, media);
    // UpdateStatusService#reset_preview_card!: a new text may link elsewhere
    if (text !== current.text) await detachCard(tx, current.id);
    await updateAttachedMedia(tx, media, input.mediaAttributes ?? []);

    await tx.insert(statusEdits).values({
      statusId: current.id,
      accountId: author.account.id,
      text,
      content: formatted.html,
      spoilerText,
      sensitive,
      pollOptions: poll?.options ?? null,
      mediaAttachmentIds: media.map((attachment) => attachment.id),
      createdAt: row!.editedAt ?? new Date(),
    });
    return row!;
  });

  await notifyMentioned(ctx, updated, formatted.mentionedAccounts);
  await notifyRebloggersOfEdit(ctx, updated);
  if (text !== current.text) await crawlLinks(ctx, updated.id);
  if (poll && updated.pollId) {
    await enqueue(ctx, PollExpirationNotify, { pollId: updated.pollId }, { delayMs: Math.max(0, poll.expiresAt.getTime() - Date.now()) });
  }
  // streaming the new version is best effort: the edit itself is stored
  await enqueue(ctx, Distribution, { statusId: updated.id, update: true }).catch((error: unknown) => ctx.log.warn({ err: error, statusId: updated.id }, 'could not enqueue the streaming of an edit'));
  await forgetStatusParts(ctx, [updated.id]);
  await deliverStatus(ctx, updated, 'update');
  await triggerWebhook(ctx, 'status.updated', updated.id);
  return { status: updated, rateLimit };
}

/** A status' revisions, oldest first; a status never edited has one: itself. */
export async function statusHistory(ctx: AppContext, status: StatusRow): Promise<Omit<StatusEditRow, 'id'>[]> {
  const edits = await ctx.db.select().from(statusEdits).where(eq(statusEdits.statusId, status.id)).orderBy(asc(statusEdits.createdAt), asc(statusEdits.id));
  if (edits.length) return edits;
  return [
    {
      statusId: status.id,
      accountId: status.accountId,
      text: status.text,
      content: status.content,
      spoilerText: status.spoilerText,
      sensitive: status.sensitive,
      pollOptions: await pollOptionsOf(ctx, status.pollId),
      mediaAttachmentIds: await attachedMediaIds(ctx, status.id),
      createdAt: status.editedAt ?? status.createdAt,
    },
  ];
}
