import type { AppContext } from '../../context.ts';
import type { StatusRow } from '../../db/schema.ts';
import { notify } from '../notifications/notify.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';

/** Notifies the local accounts a status mentions (not its author; notify() skips blocks and mutes). */
export async function notifyMentioned(ctx: AppContext, status: StatusRow, mentioned: AccountRow[], type: 'mention' | 'update' = 'mention') {
  for (const account of mentioned) {
    if (account.domain || account.id === status.accountId) continue;
    await notify(ctx, { recipientId: account.id, fromAccountId: status.accountId, type, statusId: status.id });
  }
}
