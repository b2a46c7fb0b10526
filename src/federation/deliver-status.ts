import type { Context } from '@fedify/fedify';
import { PUBLIC_COLLECTION, Tombstone, type Activity, type Recipient } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, favourites, follows, mentions, polls, statuses } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { StatusDelivery } from '../services/activitypub/status-deliveries.ts';
import { withFederation } from './federation.ts';
import { accountIdentifier } from './paths.ts';
import { statusActivities, statusObjects, type AuthoredStatus } from './statuses.ts';
import { MastodonDelete, MastodonUndo, MastodonUpdate } from './vocab.ts';

type FederationContext = Context<AppContext>;

const instant = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime());
const DISTRIBUTABLE = ['public', 'unlisted', 'private'];

/** A local status and its local author, deleted or not (a Delete is built from the row the deletion left). */
async function loadLocalStatus(ctx: AppContext, statusId: string): Promise<AuthoredStatus | undefined> {
  const [row] = await ctx.db
    .select({ status: statuses, author: accounts })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(and(eq(statuses.id, statusId), eq(statuses.local, true), isNull(accounts.domain)));
  return row;
}

function recipientOf(account: Pick<AccountRow, 'uri' | 'inboxUrl' | 'sharedInboxUrl'>): Recipient {
  return { id: new URL(account.uri), inboxId: new URL(account.inboxUrl!), endpoints: account.sharedInboxUrl ? { sharedInbox: new URL(account.sharedInboxUrl) } : null };
}

/**
 * The remote accounts a status reaches besides the author's followers (Mastodon's StatusReachFinder):
 * those it mentions, the author of the status it boosts or (unless it is direct) replies to, and,
 * for an edit or a deletion, those who boosted, favourited or replied to it. Accounts whose server already gets it
 * through a follower (the same shared inbox) are left out, so each server gets one copy.
 */
async function reachedAccounts(ctx: AppContext, status: AuthoredStatus['status'], action: StatusDelivery['action'], withFollowers: boolean): Promise<Recipient[]> {
  const ids = new Set<string>();
  if (status.inReplyToAccountId && DISTRIBUTABLE.includes(status.visibility)) ids.add(status.inReplyToAccountId);
  if (status.reblogOfId) {
    const [boosted] = await ctx.db.select({ accountId: statuses.accountId }).from(statuses).where(eq(statuses.id, status.reblogOfId));
    if (boosted) ids.add(boosted.accountId);
  } else {
    for (const row of await ctx.db.select({ accountId: mentions.accountId }).from(mentions).where(eq(mentions.statusId, status.id))) ids.add(row.accountId);
  }
  if (action !== 'create' && !status.reblogOfId) {
    const interacted = await ctx.db
      .select({ accountId: statuses.accountId })
      .from(statuses)
      .where(or(eq(statuses.reblogOfId, status.id), eq(statuses.inReplyToId, status.id)));
    for (const row of interacted) ids.add(row.accountId);
    for (const row of await ctx.db.select({ accountId: favourites.accountId }).from(favourites).where(eq(favourites.statusId, status.id))) ids.add(row.accountId);
  }
  ids.delete(status.accountId);
  if (ids.size === 0) return [];
  const reached = await ctx.db
    .select()
    .from(accounts)
    .where(and(inArray(accounts.id, [...ids]), isNotNull(accounts.domain), isNotNull(accounts.inboxUrl), isNull(accounts.suspendedAt)));
  const covered = withFollowers ? await followerInboxes(ctx, status.accountId) : new Set<string>();
  return reached.filter((account) => !covered.has(account.sharedInboxUrl ?? account.inboxUrl!)).map(recipientOf);
}

/** Where the followers' copies go: each remote follower's shared inbox, or its own inbox. */
async function followerInboxes(ctx: AppContext, accountId: string): Promise<Set<string>> {
  const rows = await ctx.db
    .select({ inbox: sql<string>`coalesce(${accounts.sharedInboxUrl}, ${accounts.inboxUrl})` })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(follows.targetAccountId, accountId), isNotNull(accounts.domain), isNotNull(accounts.inboxUrl), isNull(accounts.suspendedAt)));
  return new Set(rows.map((row) => row.inbox));
}

async function updateActivity(fctx: FederationContext, authored: AuthoredStatus): Promise<Activity | undefined> {
  const [object] = await statusObjects(fctx, [authored]);
  if (!object) return undefined;
  const { status, author } = authored;
  // a poll's new counts are an Update too, dated by the poll's last change
  const [poll] = !status.editedAt && status.pollId ? await fctx.data.db.select({ updatedAt: polls.updatedAt }).from(polls).where(eq(polls.id, status.pollId)) : [];
  const at = status.editedAt ?? poll?.updatedAt ?? new Date();
  return new MastodonUpdate({
    id: new URL(`${status.uri}#updates/${Math.floor(at.getTime() / 1000)}`),
    actor: new URL(author.uri),
    published: instant(at),
    tos: object.toIds,
    ccs: object.ccIds,
    object,
    conversation: object.conversation,
    media: object.media,
  });
}

async function deleteActivity(fctx: FederationContext, authored: AuthoredStatus): Promise<Activity | undefined> {
  const { status, author } = authored;
  if (status.reblogOfId) {
    // Mastodon's UndoAnnounceSerializer
    const [announce] = await statusActivities(fctx, [authored]);
    if (!announce) return undefined;
    return new MastodonUndo({ id: new URL(`${author.uri}#announces/${status.id}/undo`), actor: new URL(author.uri), tos: [PUBLIC_COLLECTION], object: announce });
  }
  return new MastodonDelete({
    id: new URL(`${status.uri}#delete`),
    actor: new URL(author.uri),
    tos: [PUBLIC_COLLECTION],
    object: new Tombstone({ id: new URL(status.uri!) }),
  });
}

async function activityFor(fctx: FederationContext, authored: AuthoredStatus, action: StatusDelivery['action']): Promise<Activity | undefined> {
  const deleted = authored.status.deletedAt !== null;
  if (action === 'delete') return deleted ? deleteActivity(fctx, authored) : undefined;
  // a status deleted since is left to its Delete
  if (deleted) return undefined;
  if (action === 'update') return authored.status.reblogOfId ? undefined : updateActivity(fctx, authored);
  const [activity] = await statusActivities(fctx, [authored]);
  return activity;
}

/**
 * The push job for a local status's change (Mastodon's ActivityPub::DistributionWorker and
 * StatusUpdateDistributionWorker, and RemoveStatusService's deliveries): its Create or Announce,
 * Update, or Delete or Undo goes to the author's followers (one request per shared inbox) unless
 * the status is direct, and to the other remote accounts it reaches.
 */
export async function deliverStatusActivity(ctx: AppContext, data: StatusDelivery): Promise<void> {
  const authored = await loadLocalStatus(ctx, data.statusId);
  if (!authored?.status.uri) return;
  const { status, author } = authored;
  const toFollowers = DISTRIBUTABLE.includes(status.visibility);
  await withFederation(ctx, async (fctx) => {
    const activity = await activityFor(fctx, authored, data.action);
    if (!activity) return;
    const sender = { identifier: accountIdentifier(author) };
    if (toFollowers) await fctx.sendActivity(sender, 'followers', activity, { preferSharedInbox: true });
    const reached = await reachedAccounts(ctx, status, data.action, toFollowers);
    if (reached.length) await fctx.sendActivity(sender, reached, activity, { preferSharedInbox: true });
  });
}
