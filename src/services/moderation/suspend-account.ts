import { and, eq, isNotNull, isNull, lte } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountDeletionRequests, accounts, follows, type AccountRow } from '../../db/schema.ts';
import { DistributeActorUpdate, PurgeSuspendedAccount, RefreshRemoteAccount } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';
import { forgetAllRenderings } from '../../presenters/render-generation.ts';
import { channels, publishToStream } from '../../streaming/channels.ts';
import { unfollowAccount } from '../relationships/unfollow-account.ts';

/** How long a suspended account's content is kept, so that the suspension can be lifted (Mastodon's 30 days). */
export const SUSPENSION_RETENTION_DAYS = 30;

/** What others see of an account changed: its cached renderings, and the statuses that embed it, are redone. */
async function forgetRenderingsOf(ctx: AppContext, accountId: string): Promise<void> {
  await forgetAccounts(ctx, [accountId]);
  await forgetAllRenderings(ctx);
}

/**
 * Account#suspend! and SuspendAccountService: the account is hidden everywhere (every read path
 * leaves out suspended accounts and their statuses, which stay in the database), its content is
 * deleted after {@link SUSPENSION_RETENTION_DAYS} days unless the suspension is lifted. A local
 * member is signed out of the streaming API and the servers that know it (its followers', those
 * it mentioned lately, those whose accounts reported it) get an `Update` of the actor with
 * `suspended: true`; a remote account's follows of members end, its server told with
 * `Reject(Follow)` as Mastodon does (which is not undone by an unsuspension). Returns false when
 * the account was suspended already.
 */
export async function suspendAccount(ctx: AppContext, account: AccountRow): Promise<boolean> {
  const changed = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .update(accounts)
      .set({ suspendedAt: new Date(), suspensionOrigin: 'local', updatedAt: new Date() })
      .where(and(eq(accounts.id, account.id), isNull(accounts.suspendedAt)))
      .returning({ id: accounts.id });
    if (rows.length === 0) return false;
    await tx.insert(accountDeletionRequests).values({ accountId: account.id }).onConflictDoNothing();
    return true;
  });
  if (!changed) return false;
  await forgetRenderingsOf(ctx, account.id);
  if (account.domain === null) {
    await publishToStream(ctx, channels.system(account.id), 'kill');
    await enqueue(ctx, DistributeActorUpdate, { accountId: account.id, reach: true });
  } else {
    const followed = await ctx.db.select({ targetAccountId: follows.targetAccountId }).from(follows).where(eq(follows.accountId, account.id));
    for (const follow of followed) await unfollowAccount(ctx, account.id, follow.targetAccountId, { federate: true });
  }
  return true;
}

/**
 * Account#unsuspend! and UnsuspendAccountService: the account shows again with everything it had
 * (nothing was deleted within the window); other servers get the actor without `suspended`, and
 * a remote account is fetched again. Returns false when it was not suspended here.
 */
export async function unsuspendAccount(ctx: AppContext, account: AccountRow): Promise<boolean> {
  const changed = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .update(accounts)
      .set({ suspendedAt: null, suspensionOrigin: null, updatedAt: new Date() })
      .where(and(eq(accounts.id, account.id), isNotNull(accounts.suspendedAt)))
      .returning({ id: accounts.id });
    await tx.delete(accountDeletionRequests).where(eq(accountDeletionRequests.accountId, account.id));
    return rows.length > 0;
  });
  if (!changed) return false;
  await forgetRenderingsOf(ctx, account.id);
  if (account.domain === null) await enqueue(ctx, DistributeActorUpdate, { accountId: account.id, reach: true });
  else await enqueue(ctx, RefreshRemoteAccount, { accountId: account.id });
  return true;
}

async function setLimit(ctx: AppContext, account: AccountRow, column: 'silencedAt' | 'sensitizedAt', on: boolean): Promise<void> {
  await ctx.db
    .update(accounts)
    .set({ [column]: on ? new Date() : null, updatedAt: new Date() })
    .where(eq(accounts.id, account.id));
  await forgetRenderingsOf(ctx, account.id);
}

/** Account#silence! / #unsilence!: a limited account is out of public timelines and trends, its follows need approval. */
export const setSilenced = (ctx: AppContext, account: AccountRow, silenced: boolean) => setLimit(ctx, account, 'silencedAt', silenced);

/** Account#sensitize! / #unsensitize!: its media are shown as sensitive to everyone else. */
export const setSensitized = (ctx: AppContext, account: AccountRow, sensitized: boolean) => setLimit(ctx, account, 'sensitizedAt', sensitized);

/**
 * Scheduler::SuspendedUserCleanupScheduler: the accounts suspended more than 30 days ago have
 * their content deleted, one `pull` job each (Admin::AccountDeletionWorker). `now` is for tests.
 */
export async function queueExpiredSuspensions(ctx: AppContext, now = new Date()): Promise<number> {
  const due = new Date(now.getTime() - SUSPENSION_RETENTION_DAYS * 24 * 3600 * 1000);
  const rows = await ctx.db
    .select({ accountId: accountDeletionRequests.accountId })
    .from(accountDeletionRequests)
    .innerJoin(accounts, eq(accounts.id, accountDeletionRequests.accountId))
    .where(and(lte(accountDeletionRequests.createdAt, due), isNotNull(accounts.suspendedAt)))
    .limit(100);
  for (const row of rows) await enqueue(ctx, PurgeSuspendedAccount, { accountId: row.accountId }, { uniqueKey: `purge-suspended:${row.accountId}` });
  return rows.length;
}

/** When the account's content was marked for deletion (its suspension), or null. */
export async function deletionRequestedAt(ctx: AppContext, accountId: string): Promise<Date | null> {
  const [row] = await ctx.db.select({ at: accountDeletionRequests.createdAt }).from(accountDeletionRequests).where(eq(accountDeletionRequests.accountId, accountId));
  return row?.at ?? null;
}

/** Whether the account is suspended and its content still kept (Account#suspended_temporarily?). */
export async function suspendedTemporarily(ctx: AppContext, account: AccountRow): Promise<boolean> {
  return !!account.suspendedAt && (await deletionRequestedAt(ctx, account.id)) !== null;
}
