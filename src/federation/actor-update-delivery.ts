import { PUBLIC_COLLECTION, type Recipient, Update } from '@fedify/vocab';
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { queryRows } from '../db/index.ts';
import { idFloor } from '../lib/ids.ts';
import { recipientOf } from './deliver-move.ts';
import type { AppContext } from '../context.ts';
import { accounts, follows } from '../db/schema.ts';
import { dispatchActor } from './actors.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';

/** What AccountReachFinder adds to the followers: remote accounts the member mentioned in the last two days, and those who reported the member. */
const MENTIONED_WITHIN_MS = 2 * 24 * 3600 * 1000;

async function reachedBeyondFollowers(ctx: AppContext, accountId: string): Promise<Recipient[]> {
  const rows = await queryRows<{ uri: string; inbox_url: string; shared_inbox_url: string | null }>(
    ctx.db,
    sql`SELECT DISTINCT ON (coalesce(a.shared_inbox_url, a.inbox_url)) a.uri, a.inbox_url, a.shared_inbox_url
          FROM accounts a
         WHERE a.domain IS NOT NULL AND a.inbox_url IS NOT NULL AND a.suspended_at IS NULL
           AND (a.id IN (SELECT m.account_id FROM mentions m JOIN statuses s ON s.id = m.status_id
                          WHERE s.account_id = ${accountId} AND s.id >= ${idFloor(new Date(Date.now() - MENTIONED_WITHIN_MS))} AND s.visibility <> 'direct')
                OR a.id IN (SELECT r.account_id FROM reports r WHERE r.target_account_id = ${accountId}))
           -- the followers' servers get it already
           AND coalesce(a.shared_inbox_url, a.inbox_url) NOT IN (
                 SELECT coalesce(f.shared_inbox_url, f.inbox_url) FROM follows fo JOIN accounts f ON f.id = fo.account_id
                  WHERE fo.target_account_id = ${accountId} AND f.domain IS NOT NULL AND f.inbox_url IS NOT NULL)
         ORDER BY coalesce(a.shared_inbox_url, a.inbox_url)`,
  );
  return rows.map((row) => recipientOf({ uri: row.uri, inboxUrl: row.inbox_url, sharedInboxUrl: row.shared_inbox_url }));
}

/**
 * The `push` job behind a profile change (Mastodon's ActivityPub::UpdateDistributionWorker): the
 * member's actor, in an Update addressed to the public, to its followers' servers, one delivery
 * per shared inbox. Nothing is sent while no remote account follows the member. With `reach` (a
 * suspension or its lifting, SuspendAccountService#distribute_update_actor!), also to the servers
 * of the remote accounts it mentioned lately and of those who reported it (AccountReachFinder).
 */
export async function deliverActorUpdate(ctx: AppContext, data: { accountId: string; reach?: boolean }): Promise<void> {
  const [account] = await ctx.db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, data.accountId), isNull(accounts.domain)));
  if (!account) return;
  const beyond = data.reach ? await reachedBeyondFollowers(ctx, account.id) : [];
  const [remoteFollower] = await ctx.db
    .select({ id: follows.id })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(follows.targetAccountId, account.id), isNotNull(accounts.domain)))
    .limit(1);
  if (!remoteFollower && beyond.length === 0) return;
  const identifier = accountIdentifier(account);
  await withFederation(ctx, async (fctx) => {
    const actor = await dispatchActor(fctx, identifier);
    if (!actor) return;
    const update = new Update({
      // to the millisecond: two changes within a second (a name, then an avatar) are two activities, neither taken for a replay of the other
      id: new URL(`${account.uri}#updates/${account.updatedAt.getTime()}`),
      actor: new URL(account.uri),
      to: PUBLIC_COLLECTION,
      object: actor,
    });
    if (remoteFollower) await fctx.sendActivity({ identifier }, 'followers', update, { preferSharedInbox: true });
    if (beyond.length > 0) await fctx.sendActivity({ identifier }, beyond, update, { preferSharedInbox: true });
  });
}
