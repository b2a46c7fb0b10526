import { Move, type Recipient } from '@fedify/vocab';
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accountMigrations, accounts, blocks } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';

export function recipientOf(account: Pick<AccountRow, 'uri' | 'inboxUrl' | 'sharedInboxUrl'>): Recipient {
  return { id: new URL(account.uri), inboxId: new URL(account.inboxUrl!), endpoints: account.sharedInboxUrl ? { sharedInbox: new URL(account.sharedInboxUrl) } : null };
}

/** Remote accounts that block the account (they are told of a Move too: MoveDistributionWorker's `blocked_by`). */
async function remoteBlockers(ctx: AppContext, accountId: string): Promise<Recipient[]> {
  const rows = await ctx.db
    .select({ account: accounts })
    .from(blocks)
    .innerJoin(accounts, eq(accounts.id, blocks.accountId))
    .where(and(eq(blocks.targetAccountId, accountId), isNotNull(accounts.domain), isNotNull(accounts.inboxUrl), isNull(accounts.suspendedAt)));
  return rows.map((row) => recipientOf(row.account));
}

/**
 * The push job ActivityPub::MoveDistributionWorker: the member's Move (ActivityPub::MoveSerializer:
 * `<actor>#moves/<migration id>`, the actor as object, the new account as target) to its
 * followers' servers and to the remote accounts that block it, one delivery per shared inbox.
 */
export async function deliverMove(ctx: AppContext, data: { migrationId: string }): Promise<void> {
  const [migration] = await ctx.db.select().from(accountMigrations).where(eq(accountMigrations.id, data.migrationId));
  if (!migration?.targetAccountId) return;
  const rows = await ctx.db
    .select()
    .from(accounts)
    .where(inArray(accounts.id, [migration.accountId, migration.targetAccountId]));
  const account = rows.find((row) => row.id === migration.accountId && row.domain === null);
  const target = rows.find((row) => row.id === migration.targetAccountId);
  if (!account || !target) return;
  const identifier = accountIdentifier(account);
  const move = new Move({
    id: new URL(`${account.uri}#moves/${migration.id}`),
    actor: new URL(account.uri),
    object: new URL(account.uri),
    target: new URL(target.uri),
  });
  const blockers = await remoteBlockers(ctx, account.id);
  await withFederation(ctx, async (fctx) => {
    await fctx.sendActivity({ identifier }, 'followers', move, { preferSharedInbox: true });
    if (blockers.length) await fctx.sendActivity({ identifier }, blockers, move, { preferSharedInbox: true });
  });
}
