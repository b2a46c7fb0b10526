import { PUBLIC_COLLECTION, Update } from '@fedify/vocab';
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, follows } from '../db/schema.ts';
import { dispatchActor } from './actors.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';

/**
 * The `push` job behind a profile change (Mastodon's ActivityPub::UpdateDistributionWorker): the
 * member's actor, in an Update addressed to the public, to its followers' servers, one delivery
 * per shared inbox. Nothing is sent while no remote account follows the member.
 */
export async function deliverActorUpdate(ctx: AppContext, data: { accountId: string }): Promise<void> {
  const [account] = await ctx.db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, data.accountId), isNull(accounts.domain)));
  if (!account) return;
  const [remoteFollower] = await ctx.db
    .select({ id: follows.id })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(follows.targetAccountId, account.id), isNotNull(accounts.domain)))
    .limit(1);
  if (!remoteFollower) return;
  const identifier = accountIdentifier(account.username);
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
    await fctx.sendActivity({ identifier }, 'followers', update, { preferSharedInbox: true });
  });
}
