import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, users } from '../db/schema.ts';
import { serializeAccount } from '../serializers/account.ts';
import type { Account } from '../serializers/entities.ts';
import { emojisOfAccounts } from './account-emojis.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';

/** The account `account` moved to, rendered for its `moved` attribute (not nested further), or null. */
export async function renderMovedTo(ctx: AppContext, account: AccountRow): Promise<Account | null> {
  if (!account.movedToAccountId) return null;
  const [row] = await ctx.db.select({ account: accounts, role: users.role }).from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(eq(accounts.id, account.movedToAccountId));
  if (!row) return null;
  const emojis = await emojisOfAccounts(ctx, [row.account]);
  return serializeAccount(ctx, row.account, { role: row.role }, null, emojis.get(row.account.id));
}
