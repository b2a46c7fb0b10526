import { and, asc, eq, gt, isNotNull, notInArray, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, blocks, favourites, followRequests, follows, mentions, mutes, reports, statuses } from '../../db/schema.ts';
import { purgeRemoteAccountMedia } from '../moderation/purge-media.ts';

/*
 * The remote accounts `subspace accounts cull|prune|refresh` walk, a batch at a time in id order (a
 * run stopped half-way starts again where it left off: what it removed is gone), and their removal.
 */

export interface RemoteAccountRef {
  id: string;
  uri: string;
  domain: string;
}

/** Which remote accounts: those of one domain, or all. */
export interface RemoteAccountScope {
  domain?: string;
}

const scopeCondition = (scope: RemoteAccountScope): SQL => (scope.domain ? sql`lower(${accounts.domain}) = lower(${scope.domain})` : isNotNull(accounts.domain));

/** The next `limit` remote accounts of `scope` after `afterId`, in id order. */
export async function remoteAccountsAfter(ctx: AppContext, scope: RemoteAccountScope, afterId: string | undefined, limit: number): Promise<RemoteAccountRef[]> {
  const rows = await ctx.db
    .select({ id: accounts.id, uri: accounts.uri, domain: accounts.domain })
    .from(accounts)
    .where(and(scopeCondition(scope), afterId ? gt(accounts.id, afterId) : undefined))
    .orderBy(asc(accounts.id))
    .limit(limit);
  return rows.map((row) => ({ ...row, domain: row.domain! }));
}

export async function countRemoteAccounts(ctx: AppContext, scope: RemoteAccountScope = {}): Promise<number> {
  const [row] = await ctx.db.select({ count: sql<number>`count(*)::int` }).from(accounts).where(scopeCondition(scope));
  return row!.count;
}

/**
 * Remote accounts nothing here refers to, as tootctl accounts prune finds them: no statuses, not
 * mentioned, no favourites, no follows or follow requests either way, not blocked or blocking,
 * not muted, not reported; bots and other automated actors (Service, Application) are left alone.
 */
function unreferenced(): SQL {
  const none = (table: SQL) => sql`NOT EXISTS (${table})`;
  return and(
    isNotNull(accounts.domain),
    notInArray(sql`coalesce(${accounts.actorType}, 'Person')`, ['Service', 'Application']),
    none(sql`SELECT 1 FROM ${statuses} WHERE ${statuses.accountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${mentions} WHERE ${mentions.accountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${favourites} WHERE ${favourites.accountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${follows} WHERE ${follows.accountId} = ${accounts.id} OR ${follows.targetAccountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${followRequests} WHERE ${followRequests.accountId} = ${accounts.id} OR ${followRequests.targetAccountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${blocks} WHERE ${blocks.accountId} = ${accounts.id} OR ${blocks.targetAccountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${mutes} WHERE ${mutes.targetAccountId} = ${accounts.id}`),
    none(sql`SELECT 1 FROM ${reports} WHERE ${reports.targetAccountId} = ${accounts.id}`),
  )!;
}

/** The next `limit` unreferenced remote accounts after `afterId`. */
export async function unreferencedRemoteAccountsAfter(ctx: AppContext, afterId: string | undefined, limit: number): Promise<RemoteAccountRef[]> {
  const rows = await ctx.db
    .select({ id: accounts.id, uri: accounts.uri, domain: accounts.domain })
    .from(accounts)
    .where(and(unreferenced(), afterId ? gt(accounts.id, afterId) : undefined))
    .orderBy(asc(accounts.id))
    .limit(limit);
  return rows.map((row) => ({ ...row, domain: row.domain! }));
}

export async function countUnreferencedRemoteAccounts(ctx: AppContext): Promise<number> {
  const [row] = await ctx.db.select({ count: sql<number>`count(*)::int` }).from(accounts).where(unreferenced());
  return row!.count;
}

/**
 * A remote account removed altogether (tootctl's cull and prune: no suspended record is kept): its
 * stored files (attachments, avatar, header), then its row, with everything that hangs off it.
 */
export async function removeRemoteAccount(ctx: AppContext, accountId: string): Promise<boolean> {
  await purgeRemoteAccountMedia(ctx, accountId);
  const removed = await ctx.db
    .delete(accounts)
    .where(and(eq(accounts.id, accountId), isNotNull(accounts.domain)))
    .returning({ id: accounts.id });
  return removed.length > 0;
}
