import { and, eq, sql } from 'drizzle-orm';
import { baseUrl } from '../../config/index.ts';
import type { AppContext } from '../../context.ts';
import { triggerWebhook } from '../webhooks/trigger-webhook.ts';
import { queryRows, type Database } from '../../db/index.ts';
import { accounts, scheduledStatuses, statuses, tags, users } from '../../db/schema.ts';
import { enqueue, enqueueTogether, jobRequest } from '../../jobs/enqueue.ts';
import { PollExpirationNotify } from '../../jobs/definitions.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';
import { parseDateParam } from '../../lib/dates.ts';
import { attachableMedia, attachMedia } from '../media/media-attachments.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { INSTANCE_LIMITS } from '../../lib/instance-limits.ts';
import { isLanguageCode } from './languages.ts';
import { notifyMentioned } from './notify-mentioned.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';
import { recordRateLimit, refuseOverRateLimit, type RateLimitHeaders } from '../instance/rate-limiter.ts';
import { countableLength, formatStatus, type FormattedStatus, type RemoteAccountResolver } from './text/format-status.ts';
import { distributionRequest } from '../feeds/pending-distributions.ts';

export { notifyMentioned };
import { linkCrawlRequest } from './preview-cards/preview-cards.ts';
import { statusLink } from './preview-cards/status-link.ts';
import { findVisibleStatus } from './visibility.ts';
import type { StatusRow, ScheduledStatusRow } from '../../db/schema.ts';
import type { StatusApplication } from '../../serializers/entities.ts';
import { serializeStatusParts } from '../../serializers/status.ts';
import { cachedStatusParts, keepStatusParts } from '../../presenters/status-parts-cache.ts';
import { customEmojisInTexts } from '../emojis/custom-emojis.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';
import { localStatusUri } from '../../lib/actor-naming.ts';

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
  /** the application's name and website, when the caller has them: the answer is then rendered without loading it */
  application?: StatusApplication | null;
  /** false for statuses published by the scheduler (Mastodon's `with_rate_limit`) */
  withRateLimit?: boolean;
}

/** `created`: the status was written by this call (not one an idempotency key found) */
export type PostStatusResult =
  | { kind: 'status'; status: StatusRow; created?: boolean; rateLimit?: RateLimitHeaders }
  | { kind: 'scheduled'; scheduled: ScheduledStatusRow; rateLimit?: RateLimitHeaders };

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

/**
 * Creates (by lower-case name) the tags named and links them to the status: two statements, the
 * second with a snapshot of its own so that it finds a tag another post created meanwhile.
 */
export async function attachTags(tx: Tx, statusId: string, names: string[]) {
  if (names.length === 0) return;
  await tx
    .insert(tags)
    .values(names.map((name) => ({ name })))
    .onConflictDoNothing();
  await linkTags(tx, statusId, names);
}

/** Links the status to the tags named, which exist. */
async function linkTags(tx: Tx, statusId: string, names: string[]) {
  if (names.length === 0) return;
  const lowered = names.map((name) => name.toLowerCase());
  await tx.execute(sql`INSERT INTO statuses_tags (status_id, tag_id)
      SELECT ${statusId}::bigint, id FROM tags WHERE lower(name) = ANY(${textArray(lowered)})
      ON CONFLICT DO NOTHING`);
}

const sqlArray = (values: readonly (string | number)[], type: 'text' | 'bigint' | 'int') =>
  sql`ARRAY[${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )}]::${sql.raw(type)}[]`;
const textArray = (values: readonly string[]) => sqlArray(values, 'text');

/** Recomputes a status' replies_count from its live public and unlisted replies (Mastodon counts only distributable replies). */
export async function refreshRepliesCount(tx: Tx | Database, statusId: string) {
  await tx.execute(sql`UPDATE statuses SET replies_count = (
      SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = ${statusId} AND r.deleted_at IS NULL AND r.visibility IN ('public', 'unlisted')
    ) WHERE id = ${statusId}`);
}

/**
 * Posts a status (PostStatusService): validates, counts against the statuses rate limit, writes
 * the status with its mentions, tags, poll and counters in one transaction, then enqueues its jobs
 * (the fan-out, which notifies the mentioned) and publishes `status.created`. With `scheduledAt` more than five
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
  if (!input.applicationId || input.application) await keepWrittenParts(ctx, status, { formatted, application: input.application ?? null, media, poll: prepared.poll });
  await afterPost(ctx, status, prepared.poll);
  return { kind: 'status', status, created: true, rateLimit };
}

async function writeStatus(ctx: AppContext, author: Author, prepared: Prepared, formatted: FormattedStatus, parent: StatusRow | undefined, applicationId: string | null, media: MediaAttachmentRow[]) {
  const base = baseUrl(ctx.config);
  const { account } = author;
  return ctx.db.transaction(async (tx) => {
    // the ids, and the conversation a status that replies to none starts, in one statement
    const [ids] = await queryRows<{ status_id: string; poll_id: string; conversation_id: string | null }>(
      tx as unknown as Database,
      parent?.conversationId
        ? sql`SELECT timestamp_id()::text AS status_id, timestamp_id()::text AS poll_id, NULL AS conversation_id`
        : sql`WITH conversation AS (INSERT INTO conversations DEFAULT VALUES RETURNING id)
            SELECT timestamp_id()::text AS status_id, timestamp_id()::text AS poll_id, (SELECT id::text FROM conversation) AS conversation_id`,
    );
    const id = ids!.status_id;
    const conversationId = parent?.conversationId ?? ids!.conversation_id;
    const [status] = await tx
      .insert(statuses)
      .values({
        id,
        uri: localStatusUri(base, account, id),
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
    await writeParts(tx, id, account.id, prepared, formatted, ids!.poll_id);
    await linkTags(tx, id, formatted.tagNames);
    await attachMedia(tx, id, media, { fresh: true });
    if (parent) await refreshRepliesCount(tx, parent.id);
    return status!;
  });
}

/**
 * The viewer-independent parts of the new status rendered from what was just written (mentions, tags,
 * application, media, poll; no card until the crawl attaches one), so that rendering it loads only
 * its custom emoji.
 */
async function keepWrittenParts(
  ctx: AppContext,
  status: StatusRow,
  written: { formatted: FormattedStatus; application: StatusApplication | null; media: MediaAttachmentRow[]; poll: ValidPoll | null },
) {
  const { formatted, application, media, poll } = written;
  const cached = await cachedStatusParts(ctx, [status.id]);
  const options = poll?.options ?? [];
  const emojis = await customEmojisInTexts(ctx, [
    { key: 'status', texts: [status.spoilerText, status.text || status.content, ...options], domain: null },
    { key: 'poll', texts: options, domain: null },
  ]);
  const pollRow =
    poll && status.pollId
      ? {
          id: status.pollId,
          accountId: status.accountId,
          options,
          cachedTallies: options.map(() => 0),
          multiple: poll.multiple,
          hideTotals: poll.hideTotals,
          votesCount: 0,
          votersCount: 0,
          expiresAt: poll.expiresAt,
        }
      : null;
  const parts = serializeStatusParts(ctx, {
    mentions: formatted.mentionedAccounts,
    tags: formatted.tagNames,
    application,
    card: null,
    media,
    emojis: emojis.get('status') ?? [],
    poll: pollRow ? { row: pollRow, emojis: emojis.get('poll') ?? [] } : null,
  });
  await keepStatusParts(ctx, cached, [{ status, parts }]);
}

/**
 * In one statement: the poll, the mentions, the tags not known yet, the fan-out still to do and the
 * author's counters (Mastodon does not count direct messages).
 */
async function writeParts(tx: Tx, statusId: string, accountId: string, prepared: Prepared, formatted: FormattedStatus, pollId: string) {
  const parts = [sql`pending AS (INSERT INTO pending_distributions (status_id) VALUES (${statusId}::bigint) ON CONFLICT DO NOTHING)`];
  const { poll } = prepared;
  if (poll) {
    const tallies = poll.options.map(() => 0);
    parts.push(sql`poll AS (INSERT INTO polls (id, account_id, status_id, expires_at, options, cached_tallies, multiple, hide_totals)
      VALUES (${pollId}::bigint, ${accountId}::bigint, ${statusId}::bigint, ${poll.expiresAt.toISOString()}::timestamptz,
              ${sqlArray(poll.options, 'text')}, ${sqlArray(tallies, 'int')}, ${poll.multiple}, ${poll.hideTotals}))`);
  }
  if (formatted.mentionedAccountIds.length) {
    parts.push(sql`mentioned AS (INSERT INTO mentions (status_id, account_id)
      SELECT ${statusId}::bigint, mentioned FROM unnest(${sqlArray(formatted.mentionedAccountIds, 'bigint')}) AS mentioned ON CONFLICT DO NOTHING)`);
  }
  if (formatted.tagNames.length) parts.push(sql`new_tags AS (INSERT INTO tags (name) SELECT unnest(${textArray(formatted.tagNames)}) ON CONFLICT DO NOTHING)`);
  await tx.execute(sql`WITH ${sql.join(parts, sql`, `)}
    UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = now()
    WHERE id = ${accountId}::bigint AND ${prepared.visibility !== 'direct'}`);
}

async function afterPost(ctx: AppContext, status: StatusRow, poll: ValidPoll | null) {
  await forgetAccounts(ctx, [status.accountId]);
  // the mentioned are notified by the Distribution job, as Mastodon's LocalNotificationWorker does
  await enqueueFollowUps(ctx, status, poll);
  await triggerWebhook(ctx, 'status.created', status.id);
}

/**
 * The status's jobs in one call to the queue: its fan-out, the crawl of its link (a local status's
 * looks only at its text: one without a link has nothing to fetch) and its poll's end. If the queue
 * refuses them, each is enqueued again alone and fails its own way: the fan-out and the crawl are
 * logged (the pending_distributions row makes the scheduler enqueue the fan-out again), the poll's
 * end throws.
 */
async function enqueueFollowUps(ctx: AppContext, status: StatusRow, poll: ValidPoll | null) {
  const crawl = !!statusLink({ local: true, text: status.text, content: status.content, mentionUrls: [] }, ctx.config);
  // no unique key: the scheduler's own job for a poll whose end moved must not be kept out (the job notifies once anyway)
  const pollEnd = poll && { pollId: status.pollId!, options: { delayMs: Math.max(0, poll.expiresAt.getTime() - Date.now()) } };
  await enqueueTogether(ctx, [
    distributionRequest(ctx, status.id),
    ...(crawl ? [linkCrawlRequest(ctx, status.id)] : []),
    ...(pollEnd ? [jobRequest(PollExpirationNotify, { pollId: pollEnd.pollId }, pollEnd.options, () => enqueue(ctx, PollExpirationNotify, { pollId: pollEnd.pollId }, pollEnd.options))] : []),
  ]);
}
