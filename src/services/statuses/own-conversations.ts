import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountConversations } from '../../db/schema.ts';
import type { AccountConversationRow } from './conversations.ts';
import { finishPage, type Page, pageCondition, pageOrder } from '../feeds/pagination.ts';

/** A member's own conversation by id, or undefined (someone else's is as good as absent). */
export async function ownConversation(ctx: AppContext, accountId: string, id: string): Promise<AccountConversationRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(accountConversations)
    .where(and(eq(accountConversations.id, id), eq(accountConversations.accountId, accountId)));
  return row;
}

/** `GET /api/v1/conversations`: a page of the member's conversations, newest last status first (paginated by it). */
export async function conversationsPage(ctx: AppContext, accountId: string, page: Page): Promise<AccountConversationRow[]> {
  return finishPage(
    await ctx.db
      .select()
      .from(accountConversations)
      .where(and(eq(accountConversations.accountId, accountId), isNotNull(accountConversations.lastStatusId), sql`${pageCondition(accountConversations.lastStatusId, page)}`))
      .orderBy(pageOrder(accountConversations.lastStatusId, page))
      .limit(page.limit),
    page,
  );
}

export async function markConversation(ctx: AppContext, id: string, unread: boolean): Promise<AccountConversationRow | undefined> {
  const [updated] = await ctx.db.update(accountConversations).set({ unread }).where(eq(accountConversations.id, id)).returning();
  return updated;
}

export async function removeConversation(ctx: AppContext, id: string): Promise<void> {
  await ctx.db.delete(accountConversations).where(eq(accountConversations.id, id));
}
