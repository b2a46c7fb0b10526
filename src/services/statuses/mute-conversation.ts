import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { conversationMutes } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import type { StatusRow } from './status-interaction-helpers.ts';
import { findVisibleStatus } from './visibility.ts';

/** Mutes the conversation a visible status belongs to: no more notifications from the thread. */
export async function muteConversation(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  const status = await findVisibleStatus(ctx, statusId, accountId);
  if (!status) throw notFound();
  if (status.conversationId) {
    await ctx.db.insert(conversationMutes).values({ accountId, conversationId: status.conversationId }).onConflictDoNothing();
  }
  return status;
}

export async function unmuteConversation(ctx: AppContext, accountId: string, statusId: string): Promise<StatusRow> {
  const status = await findVisibleStatus(ctx, statusId, accountId);
  if (!status) throw notFound();
  if (status.conversationId) {
    await ctx.db.delete(conversationMutes).where(and(eq(conversationMutes.accountId, accountId), eq(conversationMutes.conversationId, status.conversationId)));
  }
  return status;
}
