import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';

/** A member a mail goes to, with their account. */
export async function mailRecipient(ctx: AppContext, userId: string) {
  const [row] = await ctx.db.select({ user: users, account: accounts }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.id, userId)).limit(1);
  return row;
}

/** Whether a member can use their account (User#functional?): mails about its activity go only to them. */
export function functional(row: { user: typeof users.$inferSelect; account: typeof accounts.$inferSelect }): boolean {
  return !!row.user.confirmedAt && row.user.approved && !row.user.disabled && !row.account.suspendedAt;
}

/** `user` for a local account, `user@domain` for a remote one (Account#acct). */
export function acctOf(account: { username: string; domain: string | null }): string {
  return account.domain ? `${account.username}@${account.domain}` : account.username;
}
