import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, invites, users } from '../../db/schema.ts';
import { followAccount } from '../relationships/follow-account.ts';

/**
 * User#prepare_new_user!, for the part invites need: once a member is both confirmed and approved,
 * an invite with `autofollow` makes them follow whoever invited them (autofollow_inviter!).
 * Following is best effort: a refusal (a block, a suspension) leaves the new member as they are.
 */
export async function prepareNewUser(ctx: AppContext, userId: string): Promise<void> {
  const [row] = await ctx.db
    .select({ user: users, account: accounts, invite: invites })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .leftJoin(invites, eq(invites.id, users.inviteId))
    .where(eq(users.id, userId));
  if (!row?.invite?.autofollow || !row.user.approved || !row.user.confirmedAt) return;
  const [inviter] = await ctx.db.select({ account: accounts }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.id, row.invite.userId));
  if (!inviter) return;
  try {
    await followAccount(ctx, row.account, inviter.account, {});
  } catch (error) {
    ctx.log.info({ err: error, userId }, 'a new member could not follow the member who invited them');
  }
}
