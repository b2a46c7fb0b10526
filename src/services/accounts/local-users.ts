import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, users } from '../../db/schema.ts';
import type { AccountRow, UserRow } from '../oauth/authenticate-token.ts';

export interface LocalUser {
  user: UserRow;
  account: AccountRow;
}

/** The local user with this username (case-insensitive, an optional leading `@`), or undefined. */
export async function findLocalUser(ctx: AppContext, username: string): Promise<LocalUser | undefined> {
  const name = username.replace(/^@/, '');
  const [row] = await ctx.db
    .select({ user: users, account: accounts })
    .from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(and(sql`lower(${accounts.username}) = lower(${name})`, isNull(accounts.domain)))
    .limit(1);
  return row;
}

/** A password an admin hands over once: 32 URL-safe characters (192 random bits). */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether anyone has an account yet (a fresh instance tells its admin how to create the owner). */
export async function hasLocalUsers(ctx: AppContext): Promise<boolean> {
  const [row] = await ctx.db.select({ id: users.id }).from(users).limit(1);
  return !!row;
}
