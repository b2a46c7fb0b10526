import { Like, Note } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, pollVotes, polls, statuses } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { InteractionDelivery } from '../services/activitypub/status-deliveries.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';
import { MastodonCreate, MastodonUndo } from './vocab.ts';

async function localAccount(ctx: AppContext, id: string): Promise<AccountRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(accounts)
    .where(and(eq(accounts.id, id), isNull(accounts.domain)));
  return row;
}

/** A remote status with its author, when the author's inbox is known. */
async function remoteStatus(ctx: AppContext, statusId: string) {
  const [row] = await ctx.db
    .select({ status: statuses, author: accounts })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, statusId), isNotNull(accounts.domain), isNotNull(accounts.inboxUrl), isNotNull(statuses.uri)));
  return row;
}

const inboxOf = (author: AccountRow) => ({ id: new URL(author.uri), inboxId: new URL(author.inboxUrl!), endpoints: author.sharedInboxUrl ? { sharedInbox: new URL(author.sharedInboxUrl) } : null });

/**
 * The push job for a member's interaction with a remote status, sent to its author's server only
 * (Mastodon's FavouriteService, UnfavouriteService and VoteService): a Like, its Undo, or each vote
 * as a Note named after the option chosen, in reply to the poll (ActivityPub::VoteSerializer).
 */
export async function deliverInteractionActivity(ctx: AppContext, data: InteractionDelivery): Promise<void> {
  const member = await localAccount(ctx, data.accountId);
  if (!member) return;
  const actor = new URL(member.uri);
  const sender = { identifier: accountIdentifier(member) };

  if (data.action === 'vote') {
    const [poll] = await ctx.db.select().from(polls).where(eq(polls.id, data.pollId));
    const target = poll?.statusId ? await remoteStatus(ctx, poll.statusId) : undefined;
    if (!poll || !target) return;
    const votes = await ctx.db
      .select()
      .from(pollVotes)
      .where(and(eq(pollVotes.pollId, poll.id), eq(pollVotes.accountId, member.id)))
      .orderBy(asc(pollVotes.id));
    await withFederation(ctx, async (fctx) => {
      for (const vote of votes) {
        const title = poll.options[vote.choice];
        if (title === undefined) continue;
        const id = `${member.uri}#votes/${vote.id}`;
        const to = [new URL(target.author.uri)];
        const note = new Note({ id: new URL(id), name: title, attribution: actor, tos: to, replyTarget: new URL(target.status.uri!) });
        const create = new MastodonCreate({ id: new URL(`${id}/activity`), actor, published: Temporal.Instant.fromEpochMilliseconds(vote.createdAt.getTime()), tos: to, object: note });
        await fctx.sendActivity(sender, inboxOf(target.author), create);
      }
    });
    return;
  }

  const target = await remoteStatus(ctx, data.statusId);
  if (!target) return;
  const like = new Like({ id: new URL(`${member.uri}#likes/${data.favouriteId}`), actor, object: new URL(target.status.uri!) });
  const activity = data.action === 'like' ? like : new MastodonUndo({ id: new URL(`${member.uri}#likes/${data.favouriteId}/undo`), actor, object: like });
  await withFederation(ctx, (fctx) => fctx.sendActivity(sender, inboxOf(target.author), activity));
}
