import type { AccountConversationRow } from '../services/statuses/conversations.ts';
import type { AppContext } from '../context.ts';
import { renderStatuses } from './statuses.ts';
import type { StatusRow } from '../serializers/status.ts';
import { statusRowsById } from '../services/statuses/entities.ts';
import { renderAccountsById } from './accounts.ts';

/**
 * Mastodon's Conversation entity (REST::ConversationSerializer), in the order given. A last status
 * deleted since (and not yet taken out by removeFromConversations) gives way to the newest one left.
 */
export async function renderConversations(ctx: AppContext, viewerId: string, rows: AccountConversationRow[]) {
  const accountIds = rows.flatMap((row) => (row.participantAccountIds.length ? row.participantAccountIds : [row.accountId]));
  const [accountsById, statusesById] = await Promise.all([
    renderAccountsById(ctx, [...accountIds, viewerId]),
    statusRowsById(
      ctx,
      rows.flatMap((row) => row.statusIds),
    ),
  ]);
  const lastStatuses = new Map<string, StatusRow>();
  for (const row of rows) {
    const live = row.statusIds.map((id) => statusesById.get(id)).filter((s): s is StatusRow => !!s && !s.deletedAt);
    const last = live.reduce<StatusRow | undefined>((a, b) => (!a || BigInt(b.id) > BigInt(a.id) ? b : a), undefined);
    if (last) lastStatuses.set(row.id, last);
  }
  const statusRows = [...new Map([...lastStatuses.values()].map((s) => [s.id, s])).values()];
  const rendered = await renderStatuses(ctx, statusRows, { viewerId });
  const renderedById = new Map(statusRows.map((row, i) => [row.id, rendered[i]!]));
  return rows.map((row) => {
    let participants = row.participantAccountIds.map((id) => accountsById.get(id)).filter((a) => !!a);
    if (participants.length === 0) participants = [accountsById.get(row.accountId)!].filter((a) => !!a);
    const last = lastStatuses.get(row.id);
    return {
      id: row.id,
      unread: row.unread,
      accounts: participants,
      last_status: last ? (renderedById.get(last.id) ?? null) : null,
    };
  });
}
