import { recordActiveDay } from '../instance/activity.ts';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, sessionActivations, users } from '../../db/schema.ts';
import { digest, randomToken } from '../../lib/crypto.ts';
import { ApiError } from '../../lib/errors.ts';
import { verifyPassword } from './passwords.ts';

/** The user with this e-mail and password; `wrongPasswordFor` names the user when only the password was wrong (for their sign-in history). */
export async function checkCredentials(ctx: AppContext, login: string, password: string) {
  const [row] = await ctx.db
    .select({ user: users, account: accounts })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(sql`lower(${users.email}) = lower(${login.trim()})`)
    .limit(1);
  if (!row) return { found: undefined };
  if (!(await verifyPassword(password, row.user.encryptedPassword))) return { found: undefined, wrongPasswordFor: row.user.id };
  return { found: row };
}

/** Starts a browser session; the returned id goes in a signed cookie. */
export async function startSession(ctx: AppContext, userId: string, userAgent: string, ip: string) {
  const sessionId = randomToken();
  await ctx.db.insert(sessionActivations).values({ sessionDigest: digest(sessionId), userId, userAgent: userAgent.slice(0, 500), ip });
  await ctx.db
    .update(users)
    .set({ lastSignInAt: sql`${users.currentSignInAt}`, currentSignInAt: new Date() })
    .where(eq(users.id, userId));
  await recordActiveDay(ctx, userId);
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

export interface BrowserSession {
  id: string;
  userAgent: string;
  ip: string | null;
  signedInAt: Date;
  /** the session of the browser asking */
  current: boolean;
}

/** A member's browser sessions, newest first (Mastodon's Account → Sessions). */
export async function sessionsOf(ctx: AppContext, userId: string, currentSessionId: string | undefined): Promise<BrowserSession[]> {
  const currentDigest = currentSessionId ? digest(currentSessionId) : undefined;
  const rows = await ctx.db.select().from(sessionActivations).where(eq(sessionActivations.userId, userId)).orderBy(desc(sessionActivations.createdAt), desc(sessionActivations.id));
  return rows.map((row) => ({ id: row.id, userAgent: row.userAgent, ip: row.ip, signedInAt: row.createdAt, current: row.sessionDigest === currentDigest }));
}

/** Signs out one of the member's browser sessions; 404 when it is not theirs. */
export async function endSessionOf(ctx: AppContext, userId: string, id: string): Promise<void> {
  if (!/^\d{1,19}$/.test(id)) throw new ApiError(404, 'Record not found');
  const ended = await ctx.db
    .delete(sessionActivations)
    .where(and(eq(sessionActivations.id, id), eq(sessionActivations.userId, userId)))
    .returning({ id: sessionActivations.id });
  if (!ended.length) throw new ApiError(404, 'Record not found');
}
