import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { queryRows } from '../../db/index.ts';
import { accountMigrations, accounts, blocks, follows, mutes } from '../../db/schema.ts';
import { DistributeActorUpdate, DistributeMove, MoveFollowers, UnfollowFollow } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { blockAccount } from '../relationships/block-account.ts';
import { createFollow, followAccount } from '../relationships/follow-account.ts';
import { muteAccount } from '../relationships/mute-account.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';
import { verifyPassword } from './passwords.ts';
import { unfollowAccount } from '../relationships/unfollow-account.ts';
import { recountFollows } from '../relationships/follow-counters.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

/** AccountMigration::COOLDOWN_PERIOD: one move per 30 days. */
export const MIGRATION_COOLDOWN_MS = 30 * 24 * 3600 * 1000;
/** How many aliases an account keeps (the profile bound remote ones get too). */
export const MAX_ALIASES = 20;

/** Mastodon's `migrations.errors.*` messages, which its forms show under the handle field. */
export const MOVE_ERRORS = {
  notFound: 'could not be found',
  moveToSelf: 'cannot be current account',
  alreadyMoved: 'is the same account you have already moved to',
  missingAlsoKnownAs: 'is not an alias of this account',
  onCooldown: 'You are on cooldown',
  taken: 'has already been taken',
  blank: "can't be blank",
  invalidPassword: 'is invalid',
  tooMany: `You can have at most ${MAX_ALIASES} aliases`,
};

export class MoveValidationError extends Error {
  readonly errors: { field: 'acct' | 'current_password' | 'base'; message: string }[];
  constructor(errors: MoveValidationError['errors']) {
    super(errors.map((error) => `${error.field} ${error.message}`).join(', '));
    this.errors = errors;
  }
}

/** Updates the member's actor on its followers' servers (ActivityPub::UpdateDistributionWorker), its `updated_at` naming the Update. */
async function distributeProfile(ctx: AppContext, accountId: string): Promise<void> {
  await ctx.db.update(accounts).set({ updatedAt: new Date() }).where(eq(accounts.id, accountId));
  try {
    await enqueue(ctx, DistributeActorUpdate, { accountId });
  } catch (error) {
    ctx.log.warn({ err: error, accountId }, 'could not enqueue a profile update');
  }
}

/** Finds the account a handle names as it is now (remote ones fetched again): src/federation/resolve-fresh.ts. */
export type FreshAccountResolver = (acct: string) => Promise<AccountRow | undefined>;

export interface AliasEntry {
  uri: string;
  acct: string | null;
}

/** The member's aliases (`also_known_as`), with the handle of each known account. */
export async function listAliases(ctx: AppContext, account: AccountRow): Promise<AliasEntry[]> {
  const uris = account.alsoKnownAs ?? [];
  if (uris.length === 0) return [];
  const rows = await ctx.db.select({ uri: accounts.uri, username: accounts.username, domain: accounts.domain }).from(accounts).where(inArray(accounts.uri, uris));
  const byUri = new Map(rows.map((row) => [row.uri, row.domain ? `${row.username}@${row.domain}` : `${row.username}@${ctx.config.localDomain}`]));
  return uris.map((uri) => ({ uri, acct: byUri.get(uri) ?? null }));
}

/**
 * Settings::AliasesController#create (AccountAlias): the account `acct` names becomes one this
 * member is also known as, so it may move here; the actor shows it in `alsoKnownAs` at once and
 * followers' servers get the Update.
 */
export async function addAlias(ctx: AppContext, account: AccountRow, acct: string, resolveFresh: FreshAccountResolver): Promise<AliasEntry> {
  if (!acct.trim()) throw new MoveValidationError([{ field: 'acct', message: MOVE_ERRORS.blank }]);
  const target = await resolveFresh(acct);
  if (!target) throw new MoveValidationError([{ field: 'acct', message: MOVE_ERRORS.notFound }]);
  if (target.id === account.id) throw new MoveValidationError([{ field: 'acct', message: MOVE_ERRORS.moveToSelf }]);
  const current = account.alsoKnownAs ?? [];
  if (current.includes(target.uri)) throw new MoveValidationError([{ field: 'acct', message: MOVE_ERRORS.taken }]);
  if (current.length >= MAX_ALIASES) throw new MoveValidationError([{ field: 'base', message: MOVE_ERRORS.tooMany }]);
  await ctx.db
    .update(accounts)
    .set({ alsoKnownAs: sql`array_append(coalesce(${accounts.alsoKnownAs}, '{}'::text[]), ${target.uri})` })
    .where(and(eq(accounts.id, account.id), sql`NOT (${target.uri} = ANY(coalesce(${accounts.alsoKnownAs}, '{}'::text[])))`));
  await distributeProfile(ctx, account.id);
  return { uri: target.uri, acct: target.domain ? `${target.username}@${target.domain}` : `${target.username}@${ctx.config.localDomain}` };
}

/** Settings::AliasesController#destroy: the alias goes; false when it was not one. */
export async function removeAlias(ctx: AppContext, account: AccountRow, uri: string): Promise<boolean> {
  if (!(account.alsoKnownAs ?? []).includes(uri)) return false;
  await ctx.db
    .update(accounts)
    .set({ alsoKnownAs: sql`array_remove(${accounts.alsoKnownAs}, ${uri})` })
    .where(eq(accounts.id, account.id));
  await distributeProfile(ctx, account.id);
  return true;
}

/**
 * Settings::MigrationsController#create (AccountMigration#save_with_challenge, then MoveService):
 * with the member's password, the account moves to the one `acct` names, which must list this
 * account among its aliases (fetched again now), is not this account nor the one it already
 * moved to, and not within 30 days of a previous move. The account then redirects there
 * (`moved`, the actor's `movedTo`), its local followers follow the new account, and its remote
 * followers' servers (and those that block it) get a Move.
 */
export async function moveAccount(ctx: AppContext, account: AccountRow, user: UserRow, input: { acct: string; currentPassword: string }, resolveFresh: FreshAccountResolver) {
  const errors: MoveValidationError['errors'] = [];
  if (!user.encryptedPassword || !(await verifyPassword(input.currentPassword, user.encryptedPassword))) {
    throw new MoveValidationError([{ field: 'current_password', message: MOVE_ERRORS.invalidPassword }]);
  }
  const since = new Date(Date.now() - MIGRATION_COOLDOWN_MS);
  const [recent] = await ctx.db
    .select({ id: accountMigrations.id })
    .from(accountMigrations)
    .where(and(eq(accountMigrations.accountId, account.id), gt(accountMigrations.createdAt, since)))
    .limit(1);
  if (recent) errors.push({ field: 'base', message: MOVE_ERRORS.onCooldown });
  const acct = input.acct.trim().replace(/^@/, '');
  if (!acct) errors.push({ field: 'acct', message: MOVE_ERRORS.blank });
  const target = acct ? await resolveFresh(acct) : undefined;
  if (acct && !target) errors.push({ field: 'acct', message: MOVE_ERRORS.notFound });
  if (target) {
    if (!(target.alsoKnownAs ?? []).includes(account.uri)) errors.push({ field: 'acct', message: MOVE_ERRORS.missingAlsoKnownAs });
    if (account.movedToAccountId && account.movedToAccountId === target.id) errors.push({ field: 'acct', message: MOVE_ERRORS.alreadyMoved });
    if (account.id === target.id) errors.push({ field: 'acct', message: MOVE_ERRORS.moveToSelf });
  }
  if (errors.length || !target) throw new MoveValidationError(errors);

  const migration = await ctx.db.transaction(async (tx) => {
    // one move at a time per account (AccountMigration's redis lock)
    await tx.execute(sql`SELECT id FROM accounts WHERE id = ${account.id} FOR UPDATE`);
    const [again] = await tx
      .select({ id: accountMigrations.id })
      .from(accountMigrations)
      .where(and(eq(accountMigrations.accountId, account.id), gt(accountMigrations.createdAt, since)))
      .limit(1);
    if (again) throw new MoveValidationError([{ field: 'base', message: MOVE_ERRORS.onCooldown }]);
    const [fresh] = await tx.select({ followersCount: accounts.followersCount }).from(accounts).where(eq(accounts.id, account.id));
    const [row] = await tx
      .insert(accountMigrations)
      .values({ accountId: account.id, acct, followersCount: fresh?.followersCount ?? 0, targetAccountId: target.id })
      .returning();
    await tx.update(accounts).set({ movedToAccountId: target.id, updatedAt: new Date() }).where(eq(accounts.id, account.id));
    return row!;
  });
  await forgetAccounts(ctx, [account.id]);
  await enqueue(ctx, MoveFollowers, { sourceAccountId: account.id, targetAccountId: target.id });
  await enqueue(ctx, DistributeActorUpdate, { accountId: account.id });
  await enqueue(ctx, DistributeMove, { migrationId: migration.id });
  return { migration, target };
}

/** Settings::MigrationsController#cancel: the redirect goes (the move itself, and followers moved, stay). */
export async function cancelMove(ctx: AppContext, account: AccountRow): Promise<boolean> {
  if (!account.movedToAccountId) return false;
  await ctx.db.update(accounts).set({ movedToAccountId: null }).where(eq(accounts.id, account.id));
  await forgetAccounts(ctx, [account.id]);
  await distributeProfile(ctx, account.id);
  return true;
}

/** The member's latest move, for the settings page. */
export async function latestMigration(ctx: AppContext, accountId: string) {
  const [row] = await ctx.db.select().from(accountMigrations).where(eq(accountMigrations.accountId, accountId)).orderBy(desc(accountMigrations.createdAt)).limit(1);
  return row;
}

/**
 * A remote account's Move, checked (ActivityPub::Activity::Move): the old account redirects to
 * the new one and its local followers are moved, in the `default` queue.
 */
export async function applyRemoteMove(ctx: AppContext, source: AccountRow, target: AccountRow): Promise<void> {
  await ctx.db.update(accounts).set({ movedToAccountId: target.id }).where(eq(accounts.id, source.id));
  await forgetAccounts(ctx, [source.id]);
  await enqueue(ctx, MoveFollowers, { sourceAccountId: source.id, targetAccountId: target.id });
}

async function localFollowerIds(ctx: AppContext, accountId: string): Promise<string[]> {
  const rows = await ctx.db
    .select({ id: follows.accountId })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(follows.targetAccountId, accountId), isNull(accounts.domain)));
  return rows.map((row) => row.id);
}

/**
 * The `default` job MoveWorker: each local follower of the account that moved is told (a `move`
 * notification) and follows the new account instead: for two local accounts the follows are
 * rewritten in place; otherwise each follower gets an UnfollowFollow job. Local blocks and mutes
 * of the old account carry over to the new one.
 */
export async function runMoveFollowers(ctx: AppContext, data: { sourceAccountId: string; targetAccountId: string }): Promise<void> {
  const rows = await ctx.db
    .select()
    .from(accounts)
    .where(inArray(accounts.id, [data.sourceAccountId, data.targetAccountId]));
  const source = rows.find((row) => row.id === data.sourceAccountId);
  const target = rows.find((row) => row.id === data.targetAccountId);
  if (!source || !target) return;
  const followers = await localFollowerIds(ctx, source.id);
  for (const followerId of followers) {
    if (followerId !== target.id) await notify(ctx, { recipientId: followerId, fromAccountId: source.id, type: 'move' });
  }
  if (source.domain === null && target.domain === null) {
    // rewrite_follows!: followers not following the new account yet now do, lists included
    const moved = await queryRows<{ account_id: string }>(
      ctx.db,
      sql`UPDATE follows f SET target_account_id = ${target.id}
           FROM accounts a
          WHERE f.target_account_id = ${source.id} AND a.id = f.account_id AND a.domain IS NULL AND f.account_id <> ${target.id}
            AND NOT EXISTS (SELECT 1 FROM follows g WHERE g.account_id = f.account_id AND g.target_account_id = ${target.id})
        RETURNING f.account_id::text AS account_id`,
    );
    for (const { account_id } of moved) {
      await ctx.db.execute(sql`UPDATE list_accounts SET account_id = ${target.id} WHERE account_id = ${source.id} AND list_id IN (SELECT id FROM lists WHERE account_id = ${account_id})`);
    }
    await recountFollows(ctx, [source.id, target.id, ...moved.map((row) => row.account_id)]);
  } else {
    for (const followerId of followers) {
      if (followerId === target.id) continue;
      await enqueue(ctx, UnfollowFollow, { followerId, oldTargetId: source.id, newTargetId: target.id, bypassLocked: target.domain === null });
    }
  }
  // carry_blocks_over! and carry_mutes_over!
  const blockers = await ctx.db
    .select({ id: blocks.accountId })
    .from(blocks)
    .innerJoin(accounts, eq(accounts.id, blocks.accountId))
    .where(and(eq(blocks.targetAccountId, source.id), isNull(accounts.domain)));
  for (const { id } of blockers) if (id !== target.id) await blockAccount(ctx, id, target.id).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not carry a block over'));
  const muters = await ctx.db
    .select({ id: mutes.accountId, hideNotifications: mutes.hideNotifications })
    .from(mutes)
    .innerJoin(accounts, eq(accounts.id, mutes.accountId))
    .where(and(eq(mutes.targetAccountId, source.id), isNull(accounts.domain)));
  for (const { id, hideNotifications } of muters) {
    if (id !== target.id)
      await muteAccount(ctx, id, target.id, { notifications: hideNotifications, durationSeconds: 0 }).catch((error: unknown) => ctx.log.warn({ err: error }, 'could not carry a mute over'));
  }
}

/**
 * The `pull` job UnfollowFollowWorker (FollowMigrationService): a local follower of a moved
 * account follows the new one with the same options (at once when the new account is local,
 * locked or not; as a request with a Follow when it is remote) and no longer follows the old one.
 */
export async function runUnfollowFollow(ctx: AppContext, data: { followerId: string; oldTargetId: string; newTargetId: string; bypassLocked: boolean }): Promise<void> {
  const rows = await ctx.db
    .select()
    .from(accounts)
    .where(inArray(accounts.id, [data.followerId, data.oldTargetId, data.newTargetId]));
  const follower = rows.find((row) => row.id === data.followerId && row.domain === null);
  const target = rows.find((row) => row.id === data.newTargetId);
  if (!follower || !target || target.suspendedAt) return;
  const [follow] = await ctx.db
    .select()
    .from(follows)
    .where(and(eq(follows.accountId, follower.id), eq(follows.targetAccountId, data.oldTargetId)))
    .limit(1);
  if (!follow) return;
  const options = { showReblogs: follow.showReblogs, notify: follow.notify, languages: follow.languages };
  if (target.domain === null && data.bypassLocked) {
    const created = await createFollow(ctx, follower.id, target.id, options);
    if (created) await notify(ctx, { recipientId: target.id, fromAccountId: follower.id, type: 'follow' });
  } else {
    try {
      await followAccount(ctx, follower, target, { reblogs: options.showReblogs, notify: options.notify, languages: options.languages });
    } catch (error) {
      // blocked, or not allowed: the follower keeps following the old account
      ctx.log.info({ err: error, followerId: follower.id, targetId: target.id }, 'a moved follow was not made');
      return;
    }
  }
  await unfollowAccount(ctx, follower.id, data.oldTargetId);
}
