import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { invites, users, type InviteRow } from '../../db/schema.ts';
import { ApiError, validationFailed } from '../../lib/errors.ts';

export type { InviteRow };

/**
 * Mastodon's Invite: a code a member who may invite (the invite_users permission) hands out; a
 * sign-up with it is let in while registrations are closed and needs no approval, until it has been
 * used `max_uses` times or has expired, or its maker may no longer use the instance.
 */

export interface InviteInput {
  maxUses?: number | null;
  /** seconds from now; null for an invite that never expires */
  expiresIn?: number | null;
  autofollow?: boolean;
  comment?: string | null;
}

/** Devise.friendly_token[0...8]: eight URL-safe characters. */
function inviteCode(): string {
  return randomBytes(6).toString('base64url');
}

export async function createInvite(ctx: AppContext, userId: string, input: InviteInput = {}): Promise<InviteRow> {
  if (input.maxUses != null && (!Number.isInteger(input.maxUses) || input.maxUses < 1)) throw validationFailed(['Max uses must be greater than 0']);
  if (input.expiresIn != null && (!Number.isInteger(input.expiresIn) || input.expiresIn < 1)) throw validationFailed(['Expires in must be greater than 0']);
  const [created] = await ctx.db
    .insert(invites)
    .values({
      userId,
      code: inviteCode(),
      maxUses: input.maxUses ?? null,
      expiresAt: input.expiresIn ? new Date(Date.now() + input.expiresIn * 1000) : null,
      autofollow: input.autofollow ?? false,
      comment: input.comment?.slice(0, 420) ?? null,
    })
    .returning();
  return created!;
}

export async function listInvites(ctx: AppContext, userId: string): Promise<InviteRow[]> {
  return ctx.db.select().from(invites).where(eq(invites.userId, userId)).orderBy(desc(invites.id));
}

/** Expires an invite now (Mastodon's InvitesController#destroy); only its maker may. */
export async function expireInvite(ctx: AppContext, userId: string, id: string): Promise<void> {
  const changed = await ctx.db
    .update(invites)
    .set({ expiresAt: new Date(), updatedAt: new Date() })
    .where(and(sql`${invites.id}::text = ${id}`, eq(invites.userId, userId)))
    .returning({ id: invites.id });
  if (changed.length === 0) throw new ApiError(404, 'Record not found');
}

/** Invite#valid_for_use?: uses left, not expired, made by a member who may still use the instance. */
export async function findUsableInvite(ctx: AppContext, code: string): Promise<InviteRow | undefined> {
  if (!code) return undefined;
  const [row] = await ctx.db
    .select({ invite: invites })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.userId))
    .where(
      and(
        eq(invites.code, code),
        sql`(${invites.maxUses} IS NULL OR ${invites.uses} < ${invites.maxUses})`,
        sql`(${invites.expiresAt} IS NULL OR ${invites.expiresAt} > now())`,
        eq(users.disabled, false),
        eq(users.approved, true),
      ),
    );
  return row?.invite;
}

/** Counts one use of the invite, unless it was used up meanwhile; true when the use was counted. */
export async function useInvite(ctx: AppContext, inviteId: string): Promise<boolean> {
  const changed = await ctx.db
    .update(invites)
    .set({ uses: sql`${invites.uses} + 1`, updatedAt: new Date() })
    .where(and(eq(invites.id, inviteId), sql`(${invites.maxUses} IS NULL OR ${invites.uses} < ${invites.maxUses})`))
    .returning({ id: invites.id });
  return changed.length > 0;
}

/** Gives back a use counted for a sign-up that then failed. */
export async function releaseInviteUse(ctx: AppContext, inviteId: string): Promise<void> {
  await ctx.db
    .update(invites)
    .set({ uses: sql`greatest(${invites.uses} - 1, 0)` })
    .where(eq(invites.id, inviteId));
}
