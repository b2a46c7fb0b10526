import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accountConversations, accounts, conversations, mentions, notifications, statuses } from '../../db/schema.ts';
import type { StatusRow } from '../../serializers/status.ts';
import type { AccountConversationRow } from '../../db/schema.ts';

export type { AccountConversationRow };

/**
 * Files a direct status in the conversations of its local participants (Mastodon's
 * AccountConversation.add_status): the author and every mentioned local account gets their row for
 * the thread, with the other participants, the status appended, and `unread` set for everyone but
 * the author; not those whose mention is held as a notification request (or, with `onlyFor`, that
 * one account only). Statuses of other visibilities are ignored; running it twice changes nothing.
 */
export async function updateConversations(ctx: AppContext, status: StatusRow, options: { onlyFor?: string } = {}): Promise<void> {
  if (status.visibility !== 'direct' || status.reblogOfId || status.deletedAt) return;
  let conversationId = status.conversationId;
  if (!conversationId) {
    // a status without a thread starts its own
    const [created] = await ctx.db.insert(conversations).values({}).returning({ id: conversations.id });
    conversationId = created!.id;
    await ctx.db
      .update(statuses)
      .set({ conversationId })
      .where(and(eq(statuses.id, status.id), isNull(statuses.conversationId)));
    const [current] = await ctx.db.select({ conversationId: statuses.conversationId }).from(statuses).where(eq(statuses.id, status.id));
    conversationId = current?.conversationId ?? conversationId;
  }
  const mentioned = await ctx.db.select({ accountId: mentions.accountId }).from(mentions).where(eq(mentions.statusId, status.id));
  const participants = [...new Set([status.accountId, ...mentioned.map((m) => m.accountId)])];
  const locals = await ctx.db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(inArray(accounts.id, participants), isNull(accounts.domain)));

  // a mention the recipient's notification policy holds back joins their conversations once accepted
  const held = new Set(
    (
      await ctx.db
        .select({ accountId: notifications.accountId })
        .from(notifications)
        .where(and(eq(notifications.statusId, status.id), eq(notifications.type, 'mention'), eq(notifications.filtered, true)))
    ).map((row) => row.accountId),
  );

  for (const { id: recipientId } of locals) {
    if (options.onlyFor ? recipientId !== options.onlyFor : held.has(recipientId)) continue;
    const others = participants.filter((id) => id !== recipientId);
    const unread = recipientId !== status.accountId;
    await ctx.db
      .insert(accountConversations)
      .values({ accountId: recipientId, conversationId, participantAccountIds: others, statusIds: [status.id], lastStatusId: status.id, unread })
      .onConflictDoUpdate({
        target: [accountConversations.accountId, accountConversations.conversationId],
        set: {
          participantAccountIds: sql`(SELECT coalesce(array_agg(DISTINCT p), '{}') FROM unnest(${accountConversations.participantAccountIds} || excluded.participant_account_ids) AS p)`,
          statusIds: sql`CASE WHEN ${status.id}::bigint = ANY(${accountConversations.statusIds}) THEN ${accountConversations.statusIds} ELSE ${accountConversations.statusIds} || ${status.id}::bigint END`,
          lastStatusId: sql`GREATEST(${accountConversations.lastStatusId}, ${status.id}::bigint)`,
          unread: sql`CASE WHEN ${status.id}::bigint = ANY(${accountConversations.statusIds}) THEN ${accountConversations.unread} ELSE ${unread} END`,
        },
      });
  }
}

/**
 * Takes a deleted status out of the conversations it was in (AccountConversation.remove_status):
 * the last status becomes the newest one left, and a conversation left empty goes away.
 */
export async function removeFromConversations(ctx: AppContext, statusId: string): Promise<void> {
  const rows = await ctx.db.select().from(accountConversations).where(sql`${statusId}::bigint = ANY(${accountConversations.statusIds})`);
  for (const row of rows) {
    const left = row.statusIds.filter((id) => id !== statusId);
    if (left.length === 0) {
      await ctx.db.delete(accountConversations).where(eq(accountConversations.id, row.id));
    } else {
      const last = left.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
      await ctx.db.update(accountConversations).set({ statusIds: left, lastStatusId: last }).where(eq(accountConversations.id, row.id));
    }
  }
}
