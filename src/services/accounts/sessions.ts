import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, sessionActivations, users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { verifyPassword } from './passwords.ts';

/** The user with this e-mail (or local username) and password, or undefined. */
export async function checkCredentials(ctx: AppContext, login: string, password: string) {
  const [row] = await ctx.db
    .select({ user: users, account: accounts })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(sql`lower(${users.email}) = lower(${login.trim()})`)
    .limit(1);
  if (!row || !(await verifyPassword(password, row.user.encryptedPassword))) return undefined;
  return row;
}

/** Starts a browser session; the returned id goes in a signed cookie. */
export async function startSession(ctx: AppContext, userId: string, userAgent: string, ip: string) {
  const sessionId = randomToken();
  await ctx.db.insert(sessionActivations).values({ sessionDigest: digest(sessionId), userId, userAgent: userAgent.slice(0, 500), ip });
  await ctx.db
    .update(users)
    .set({ lastSignInAt: sql`${users.currentSignInAt}`, currentSignInAt: new Date() })
    .where(eq(users.id, userId));
  return sessionId;
}

export async function sessionUser(ctx: AppContext, sessionId: string) {
  const [row] = await ctx.db
    .select({ user: users, account: accounts })
    .from(sessionActivations)
    .innerJoin(users, eq(users.id, sessionActivations.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(sessionActivations.sessionDigest, digest(sessionId)))
    .limit(1);
  return row;
}

export async function endSession(ctx: AppContext, sessionId: string) {
  await ctx.db.delete(sessionActivations).where(and(eq(sessionActivations.sessionDigest, digest(sessionId))));
}
