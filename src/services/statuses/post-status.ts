import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { accounts, conversations, mentions, polls, scheduledStatuses, statuses, statusesTags, tags, users } from '../../db/schema.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { PollExpirationNotify } from '../../jobs/definitions.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';
import { parseDateParam } from '../../lib/dates.ts';
import { attachableMedia, attachMedia } from '../media/media-attachments.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { INSTANCE_LIMITS } from '../../lib/instance-limits.ts';
import { isLanguageCode } from './languages.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';
import { recordRateLimit, refuseOverRateLimit, type RateLimitHeaders } from '../instance/rate-limiter.ts';
import { countableLength, formatStatus, type FormattedStatus, type RemoteAccountResolver } from './text/format-status.ts';
import { enqueueDistribution, recordPendingDistribution } from '../feeds/pending-distributions.ts';
import { crawlLinks } from './preview-cards/preview-cards.ts';
import { findVisibleStatus } from './visibility.ts';
import type { StatusRow, ScheduledStatusRow } from '../../db/schema.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

export type { StatusRow, ScheduledStatusRow };

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Visibilities a client may choose (`limited` is federation-only). */
export const POSTABLE_VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;

/** The poster: the account and, for a local member, their user (for the default privacy, sensitivity and language). */
export interface Author {
  account: AccountRow;
  user: UserRow | null;
}

export interface PollInput {
  options: string[];
  /** seconds; a string as forms send it */
  expiresIn: number | string | undefined;
  multiple?: boolean;
  hideTotals?: boolean;
}

/** What POST /api/v1/statuses carries (already read from params; unvalidated). */
export interface PostStatusInput {
  text?: string;
  spoilerText?: string;
  sensitive?: boolean | null;
  visibility?: string;
  language?: string | null;
  inReplyToId?: string | null;
  poll?: PollInput | null;
  mediaIds?: string[];
  /** ISO 8601; more than 5 minutes ahead makes a ScheduledStatus instead */
  scheduledAt?: string | null;
  idempotencyKey?: string | null;
  applicationId?: string | null;
  /** false for statuses published by the scheduler (Mastodon's `with_rate_limit`) */
  withRateLimit?: boolean;
}

export type PostStatusResult = { kind: 'status'; status: StatusRow; rateLimit?: RateLimitHeaders } | { kind: 'scheduled'; scheduled: ScheduledStatusRow; rateLimit?: RateLimitHeaders };

/** Scheduled statuses must be at least this far ahead (ScheduledStatus::MINIMUM_OFFSET). */
export const MIN_SCHEDULE_OFFSET_MS = 5 * 60 * 1000;
const TOTAL_SCHEDULED_LIMIT = 300;
const DAILY_SCHEDULED_LIMIT = 25;
const IDEMPOTENCY_TTL_SECONDS = 3600;

export const idempotencyKey = (accountId: string, key: string) => `idempotency:status:${accountId}:${key}`;

/** The author's account and user, as postStatus needs them (for the scheduler publishing a ScheduledStatus). */
export async function loadAuthor(ctx: AppContext, accountId: string): Promise<Author | undefined> {
  const [row] = await ctx.db.select({ account: accounts, user: users }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(eq(accounts.id, accountId)).limit(1);
  return row;
}

export interface ValidPoll {
  options: string[];
  expiresAt: Date;
  multiple: boolean;
  hideTotals: boolean;
}

/** Mastodon's poll validations (PollOptionsValidator, PollExpirationValidator). */
export function validatePoll(input: PollInput, now = Date.now()): ValidPoll {
  const limits = INSTANCE_LIMITS.polls;
  const options = input.options;
  const errors: string[] = [];
  if (options.length < 2) errors.push('Poll options must have more than one item');
  if (options.length > limits.max_options) errors.push(`Poll options cannot have more than ${limits.max_options} items`);
  if (options.some((o) => !o.trim())) errors.push('Poll options contains blank items');
  if (options.some((o) => [...o].length > limits.max_characters_per_option)) errors.push('Poll options contains items that are too long');
  if (new Set(options.map((o) => o.trim())).size !== options.length) errors.push('Poll options contains duplicate items');
  const raw = input.expiresIn;
  const seconds = typeof raw === 'number' ? raw : raw !== undefined && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(seconds)) errors.push("Poll expires at can't be blank");
  else if (seconds < limits.min_expiration) errors.push('Poll expires at is too soon');
  else if (seconds > limits.max_expiration) errors.push('Poll expires at is too far into the future');
  if (errors.length) throw validationFailed(errors);
  return { options, expiresAt: new Date(now + seconds * 1000), multiple: !!input.multiple, hideTotals: !!input.hideTotals };
}

interface Prepared {
  text: string;
  spoilerText: string;
  sensitive: boolean;
  visibility: (typeof POSTABLE_VISIBILITIES)[number];
  language: string | null;
  poll: ValidPoll | null;
}

/** Checks and completes a status' attributes as PostStatusService#preprocess_attributes! and Status' validations do. */
function prepare(author: Author, input: PostStatusInput): Prepared {
  let text = input.text ?? '';
  let spoilerText = input.spoilerText ?? '';
  // a status with only a content warning posts the warning as its text
  if (!text.trim() && spoilerText.trim()) {
    text = spoilerText;
    spoilerText = '';
  }
  const settings = author.user?.settings ?? {};
  let visibility = input.visibility ?? settings.default_privacy ?? 'public';
  if (!(POSTABLE_VISIBILITIES as readonly string[]).includes(visibility)) throw validationFailed(['Visibility is not included in the list']);
  if (visibility === 'public' && author.account.silencedAt) visibility = 'unlisted';
  const poll = input.poll ? validatePoll(input.poll) : null;
  const hasMedia = (input.mediaIds?.length ?? 0) > 0;
  if (!text.trim() && !poll && !hasMedia) throw validationFailed(["Text can't be blank"]);
  const max = INSTANCE_LIMITS.statuses.max_characters;
  if (countableLength(spoilerText + text) > max) throw validationFailed([`Text character limit of ${max} exceeded`]);
  const requested = input.language?.trim().toLowerCase().split(/[-_]/)[0];
  const fallback = settings.default_language && isLanguageCode(settings.default_language) ? settings.default_language : null;
  const language = requested && isLanguageCode(requested) ? requested : fallback;
  const sensitive = (input.sensitive ?? settings.default_sensitive ?? false) || !!spoilerText.trim();
  return { text, spoilerText, sensitive, visibility: visibility as Prepared['visibility'], language, poll };
}

/** The params a ScheduledStatus keeps, in Mastodon's shape (what `GET /api/v1/scheduled_statuses` shows). */
export function scheduledParams(input: PostStatusInput, prepared: Prepared): Record<string, unknown> {
  return {
    text: prepared.text,
    poll: input.poll ? { options: input.poll.options, expires_in: Number(input.poll.expiresIn), multiple: !!input.poll.multiple, hide_totals: !!input.poll.hideTotals } : null,
    media_ids: input.mediaIds?.length ? input.mediaIds : null,
    sensitive: input.sensitive ?? null,
    spoiler_text: prepared.spoilerText || null,
    visibility: prepared.visibility,
    language: prepared.language,
    scheduled_at: null,
    in_reply_to_id: input.inReplyToId ?? null,
    application_id: input.applicationId ?? null,
    idempotency: null,
    with_rate_limit: false,
  };
}

/** Reads a ScheduledStatus' params back into postStatus input (for publishing it). */
export function inputFromScheduledParams(params: Record<string, unknown>): PostStatusInput {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const poll = params.poll as { options?: unknown; expires_in?: unknown; multiple?: unknown; hide_totals?: unknown } | null | undefined;
  return {
    text: str(params.text) ?? '',
    spoilerText: str(params.spoiler_text) ?? '',
    sensitive: typeof params.sensitive === 'boolean' ? params.sensitive : null,
    visibility: str(params.visibility),
    language: str(params.language) ?? null,
    inReplyToId: str(params.in_reply_to_id) ?? null,
    mediaIds: Array.isArray(params.media_ids) ? params.media_ids.map(String) : [],
    poll: poll && Array.isArray(poll.options) ? { options: poll.options.map(String), expiresIn: Number(poll.expires_in), multiple: !!poll.multiple, hideTotals: !!poll.hide_totals } : null,
    applicationId: str(params.application_id) ?? null,
    withRateLimit: params.with_rate_limit !== false,
  };
}

/** Parses `scheduled_at`: undefined to post now (absent or already past, as Mastodon does), a Date to schedule. */
function scheduleTime(value: string | null | undefined, now: number): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const at = parseDateParam(value);
  if (!at) throw new ApiError(422, 'Record invalid');
  if (at.getTime() <= now) return undefined;
  if (at.getTime() - now < MIN_SCHEDULE_OFFSET_MS) throw validationFailed(['Scheduled at The scheduled date must be in the future']);
  return at;
}

async function schedule(ctx: AppContext, author: Author, input: PostStatusInput, prepared: Prepared, at: Date) {
  const accountId = author.account.id;
  const [counts] = await queryRows<{ total: string | number; day: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS total,
          count(*) FILTER (WHERE scheduled_at::date = ${at.toISOString()}::timestamptz::date) AS day
        FROM scheduled_statuses WHERE account_id = ${accountId}`,
  );
  if (Number(counts?.total ?? 0) >= TOTAL_SCHEDULED_LIMIT) throw validationFailed([`Scheduled at You have exceeded the limit of ${TOTAL_SCHEDULED_LIMIT} scheduled posts`]);
  if (Number(counts?.day ?? 0) >= DAILY_SCHEDULED_LIMIT) throw validationFailed([`Scheduled at You have exceeded the limit of ${DAILY_SCHEDULED_LIMIT} scheduled posts for today`]);
  const [row] = await ctx.db
    .insert(scheduledStatuses)
    .values({ accountId, scheduledAt: at, params: scheduledParams(input, prepared) })
    .returning();
  return row!;
}

/** Creates (by lower-case name) the tags named and links them to the status. */
export async function attachTags(tx: Tx, statusId: string, names: string[]) {
  if (names.length === 0) return;
  await tx
    .insert(tags)
    .values(names.map((name) => ({ name })))
    .onConflictDoNothing();
  const rows = await tx
    .select({ id: tags.id })
    .from(tags)
    .where(
      inArray(
        sql`lower(${tags.name})`,
        names.map((n) => n.toLowerCase()),
      ),
    );
  if (rows.length)
    await tx
      .insert(statusesTags)
      .values(rows.map((row) => ({ statusId, tagId: row.id })))
      .onConflictDoNothing();
}

/** Recomputes a status' replies_count from its live public and unlisted replies (Mastodon counts only distributable replies). */
export async function refreshRepliesCount(tx: Tx | Database, statusId: string) {
  await tx.execute(sql`UPDATE statuses SET replies_count = (
      SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = ${statusId} AND r.deleted_at IS NULL AND r.visibility IN ('public', 'unlisted')
    ) WHERE id = ${statusId}`);
}

/** Notifies the local accounts a status mentions (not its author; notify() skips blocks and mutes). */
export async function notifyMentioned(ctx: AppContext, status: StatusRow, mentioned: AccountRow[], type: 'mention' | 'update' = 'mention') {
  for (const account of mentioned) {
    if (account.domain || account.id === status.accountId) continue;
    await notify(ctx, { recipientId: account.id, fromAccountId: status.accountId, type, statusId: status.id });
  }
}

/**
 * Posts a status (PostStatusService): validates, counts against the statuses rate limit, writes
 * the status with its mentions, tags, poll and counters in one transaction, then notifies the
 * mentioned, enqueues the fan-out and publishes `status.created`. With `scheduledAt` more than five
 * minutes ahead it stores a ScheduledStatus instead. An `idempotencyKey` seen from the same
 * account within the hour returns what the first request made. With `resolveAccount`, mentions
 * of remote accounts not known here are fetched first (within a few seconds; the rest stay text).
 */
export async function postStatus(ctx: AppContext, author: Author, input: PostStatusInput, options: { resolveAccount?: RemoteAccountResolver } = {}): Promise<PostStatusResult> {
  const accountId = author.account.id;
  const idemKey = input.idempotencyKey ? idempotencyKey(accountId, input.idempotencyKey) : null;
  if (idemKey) {
    const existing = await ctx.cache.get(idemKey);
    if (existing?.startsWith('scheduled:')) {
      const [row] = await ctx.db
        .select()
        .from(scheduledStatuses)
        .where(eq(scheduledStatuses.id, existing.slice(10)))
        .limit(1);
      if (row) return { kind: 'scheduled', scheduled: row };
    } else if (existing) {
      const [row] = await ctx.db
        .select()
        .from(statuses)
        .where(and(eq(statuses.id, existing), sql`${statuses.deletedAt} IS NULL`))
        .limit(1);
      if (row) return { kind: 'status', status: row };
    }
  }

  const now = Date.now();
  const prepared = prepare(author, input);
  let parent = input.inReplyToId ? await findVisibleStatus(ctx, input.inReplyToId, accountId) : undefined;
  // a reply to a boost replies to the boosted status (Status#set_conversation)
  if (parent?.reblogOfId) parent = await findVisibleStatus(ctx, parent.reblogOfId, accountId);
  if (input.inReplyToId && !parent) throw new ApiError(404, 'The post you are trying to reply to does not appear to exist.');
  const scheduledAt = scheduleTime(input.scheduledAt, now);
  const media = await attachableMedia(ctx, accountId, input.mediaIds ?? [], { withPoll: !!prepared.poll });

  if (scheduledAt) {
    const scheduled = await schedule(ctx, author, input, prepared, scheduledAt);
    if (idemKey) await ctx.cache.set(idemKey, `scheduled:${scheduled.id}`, IDEMPOTENCY_TTL_SECONDS);
    return { kind: 'scheduled', scheduled };
  }

  if (input.withRateLimit !== false) await refuseOverRateLimit(ctx, accountId, 'statuses');
  const formatted = await formatStatus(ctx, prepared.text, options);
  const rateLimit = input.withRateLimit === false ? undefined : await recordRateLimit(ctx, accountId, 'statuses');
  const status = await writeStatus(ctx, author, prepared, formatted, parent, input.applicationId ?? null, media);

  if (idemKey) await ctx.cache.set(idemKey, status.id, IDEMPOTENCY_TTL_SECONDS);
  await afterPost(ctx, status, formatted.mentionedAccounts);
  return { kind: 'status', status, rateLimit };
}

async function writeStatus(ctx: AppContext, author: Author, prepared: Prepared, formatted: FormattedStatus, parent: StatusRow | undefined, applicationId: string | null, media: MediaAttachmentRow[]) {
  const base = baseUrl(ctx.config);
  const { account } = author;
  return ctx.db.transaction(async (tx) => {
    const [ids] = await queryRows<{ status_id: string; poll_id: string }>(tx as unknown as Database, sql`SELECT timestamp_id()::text AS status_id, timestamp_id()::text AS poll_id`);
    const id = ids!.status_id;
    let conversationId = parent?.conversationId ?? null;
    if (!conversationId) {
      const [conversation] = await tx.insert(conversations).values({}).returning({ id: conversations.id });
      conversationId = conversation!.id;
    }
    const [status] = await tx
      .insert(statuses)
      .values({
        id,
        uri: `${base}/users/${account.username}/statuses/${id}`,
        url: `${base}/@${account.username}/${id}`,
        accountId: account.id,
        text: prepared.text,
        content: formatted.html,
        spoilerText: prepared.spoilerText,
        sensitive: prepared.sensitive,
        visibility: prepared.visibility,
        language: prepared.language,
        inReplyToId: parent?.id ?? null,
        inReplyToAccountId: parent?.accountId ?? null,
        conversationId,
        applicationId,
        local: true,
        pollId: prepared.poll ? ids!.poll_id : null,
      })
      .returning();
    if (prepared.poll) {
      await tx.insert(polls).values({
        id: ids!.poll_id,
        accountId: account.id,
        statusId: id,
        expiresAt: prepared.poll.expiresAt,
        options: prepared.poll.options,
        cachedTallies: prepared.poll.options.map(() => 0),
        multiple: prepared.poll.multiple,
        hideTotals: prepared.poll.hideTotals,
      });
    }
    if (formatted.mentionedAccountIds.length) {
      await tx
        .insert(mentions)
        .values(formatted.mentionedAccountIds.map((accountId) => ({ statusId: id, accountId })))
        .onConflictDoNothing();
    }
    await attachTags(tx, id, formatted.tagNames);
    await attachMedia(tx, id, media);
    // Mastodon does not count direct messages in statuses_count
    if (prepared.visibility !== 'direct') {
      await tx
        .update(accounts)
        .set({ statusesCount: sql`${accounts.statusesCount} + 1`, lastStatusAt: sql`now()` })
        .where(eq(accounts.id, account.id));
    }
    if (parent) await refreshRepliesCount(tx, parent.id);
    await recordPendingDistribution(tx, id);
    return status!;
  });
}

async function afterPost(ctx: AppContext, status: StatusRow, mentioned: AccountRow[]) {
  await forgetAccounts(ctx, [status.accountId]);
  await notifyMentioned(ctx, status, mentioned);
  await enqueueDistribution(ctx, status.id);
  await crawlLinks(ctx, status.id);
  if (status.pollId) {
    const [poll] = await ctx.db
      .select({ id: polls.id, expiresAt: polls.expiresAt })
      .from(polls)
      .where(and(eq(polls.id, status.pollId), gt(polls.expiresAt, new Date())))
      .limit(1);
    if (poll?.expiresAt) await enqueue(ctx, PollExpirationNotify, { pollId: poll.id }, { delayMs: poll.expiresAt.getTime() - Date.now() });
  }
}
