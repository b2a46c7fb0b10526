import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { followRequests, follows } from '../../db/schema.ts';
import { ApiError, notFound } from '../../lib/errors.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { FeedMerge } from '../../jobs/definitions.ts';
import { adjustRemoteFollowCounts, recountFollows } from './follow-counters.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { recordRateLimit, type RateLimitHeaders } from '../instance/rate-limiter.ts';
import { deliverRelationship, newActivityUri } from '../activitypub/relationship-deliveries.ts';

/** Options of `POST /api/v1/accounts/:id/follow`; undefined leaves an existing follow's option as it is. */
export interface FollowInput {
  reblogs?: boolean;
  notify?: boolean;
  languages?: string[] | null;
}

export interface FollowResult {
  kind: 'following' | 'requested';
  /** set when a new follow or request was counted against the follows rate limit */
  rateLimit?: RateLimitHeaders;
}

export const notAllowed = () => new ApiError(403, 'This action is not allowed');

/** Languages as Mastodon keeps them: non-blank codes, each once; an empty list means all (null). */
export function normalizeLanguages(values: string[] | null | undefined): string[] | null | undefined {
  if (values === undefined) return undefined;
  if (values === null) return null;
  // language codes (`en`, `pt-BR`, `zh-TW`): anything else is dropped
  const list = [...new Set(values.map((value) => value.trim()).filter((value) => /^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/.test(value)))].slice(0, 100);
  return list.length ? list : null;
}

async function blockedEitherWay(ctx: AppContext, a: string, b: string): Promise<boolean> {
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM blocks WHERE (account_id = ${a} AND target_account_id = ${b}) OR (account_id = ${b} AND target_account_id = ${a}) LIMIT 1`);
  return rows.length > 0;
}

async function domainBlocking(ctx: AppContext, accountId: string, domain: string | null): Promise<boolean> {
  if (!domain) return false;
  const rows = await queryRows(ctx.db, sql`SELECT 1 FROM account_domain_blocks WHERE account_id = ${accountId} AND lower(domain) = lower(${domain}) LIMIT 1`);
  return rows.length > 0;
}

/**
 * Creates the follow itself (a direct follow or an authorized request): counters, feed merge, event.
 * `uri` is the id of the Follow activity, kept for the Undo or Reject that may refer to it.
 */
export async function createFollow(ctx: AppContext, sourceId: string, targetId: string, options: { showReblogs: boolean; notify: boolean; languages: string[] | null; uri?: string | null }) {
  const [created] = await ctx.db
    .insert(follows)
    .values({ accountId: sourceId, targetAccountId: targetId, showReblogs: options.showReblogs, notify: options.notify, languages: options.languages, uri: options.uri ?? null })
    .onConflictDoNothing()
    .returning();
  await ctx.db.delete(followRequests).where(and(eq(followRequests.accountId, sourceId), eq(followRequests.targetAccountId, targetId)));
  if (!created) return undefined;
  await recountFollows(ctx, [sourceId, targetId]);
  await adjustRemoteFollowCounts(ctx, sourceId, targetId, 1);
  await enqueue(ctx, FeedMerge, { accountId: sourceId, targetAccountId: targetId });
  return created;
}

/**
 * Mastodon's FollowService: following an account already followed (or requested) only changes the
 * follow's options; a locked, remote or silenced-source follow becomes a request the target
 * answers; otherwise the follow is made at once and the target notified. `rateLimit: false` is for
 * follows the member did not make one by one (an import), which Mastodon does not count either.
 */
export async function followAccount(ctx: AppContext, source: AccountRow, target: AccountRow, input: FollowInput, options: { rateLimit?: boolean } = {}): Promise<FollowResult> {
  if (target.id === source.id || target.suspendedAt) throw notFound();
  if ((await blockedEitherWay(ctx, source.id, target.id)) || target.movedToAccountId || (await domainBlocking(ctx, source.id, target.domain))) {
    throw notAllowed();
  }
  const languages = normalizeLanguages(input.languages);
  const changes: Partial<typeof follows.$inferInsert> = {};
  if (input.reblogs !== undefined) changes.showReblogs = input.reblogs;
  if (input.notify !== undefined) changes.notify = input.notify;
  if (languages !== undefined) changes.languages = languages;

  const [existing] = await ctx.db
    .select()
    .from(follows)
    .where(and(eq(follows.accountId, source.id), eq(follows.targetAccountId, target.id)))
    .limit(1);
  if (existing) {
    if (Object.keys(changes).length) await ctx.db.update(follows).set(changes).where(eq(follows.id, existing.id));
    return { kind: 'following' };
  }
  const [request] = await ctx.db
    .select()
    .from(followRequests)
    .where(and(eq(followRequests.accountId, source.id), eq(followRequests.targetAccountId, target.id)))
    .limit(1);
  if (request) {
    if (Object.keys(changes).length) await ctx.db.update(followRequests).set(changes).where(eq(followRequests.id, request.id));
    return { kind: 'requested' };
  }

  const rateLimit = options.rateLimit === false ? undefined : await recordRateLimit(ctx, source.id, 'follows');
  const follow = { showReblogs: input.reblogs ?? true, notify: input.notify ?? false, languages: languages ?? null };
  if (target.locked || source.silencedAt || target.domain) {
    const [created] = await ctx.db
      .insert(followRequests)
      .values({ accountId: source.id, targetAccountId: target.id, ...follow, uri: target.domain ? newActivityUri(ctx) : null })
      .onConflictDoNothing()
      .returning();
    if (created) {
      // a remote account answers with Accept or Reject (inbox/accept.ts, inbox/reject.ts)
      if (target.domain) await deliverRelationship(ctx, { activity: 'Follow', actorId: source.id, targetId: target.id, id: created.uri! });
      else await notify(ctx, { recipientId: target.id, fromAccountId: source.id, type: 'follow_request' });
    }
    return { kind: 'requested', rateLimit };
  }
  const created = await createFollow(ctx, source.id, target.id, follow);
  if (created) await notify(ctx, { recipientId: target.id, fromAccountId: source.id, type: 'follow' });
  return { kind: 'following', rateLimit };
}
