import { and, eq, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, followRequests, follows, notifications, type ProfileField } from '../../db/schema.ts';
import { RefreshRemoteAccount } from '../../jobs/definitions.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { storeRemoteEmojis, type RemoteEmoji } from './create-remote-status.ts';
import { publishEvent } from '../instance/events.ts';
import { purgeRemoteAccountMedia } from '../moderation/purge-media.ts';
import { rejectsMediaFrom } from '../moderation/instance-domain-blocks.ts';
import type { AccountRow } from '../oauth/authenticate-token.ts';
import { queueAccountImageDownloads } from './remote-account-images.ts';
import { unfollowAccount } from '../relationships/unfollow-account.ts';
import { forgetAccounts } from '../../presenters/account-cache.ts';

/** Mastodon's Account#possibly_stale?: a remote account not confirmed through WebFinger for a day is refreshed. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** A remote actor as the federation layer read it: validated, bounded and sanitized already. */
export interface RemoteProfile {
  uri: string;
  username: string;
  /** the handle's domain (with a port if any), lower-case */
  domain: string;
  actorType: string;
  displayName: string;
  /** sanitized HTML */
  note: string;
  /** values are sanitized HTML, names plain text */
  fields: ProfileField[];
  /** the custom emoji its name, bio and fields use (its `Emoji` tags) */
  emojis: RemoteEmoji[];
  locked: boolean;
  bot: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  memorial: boolean;
  url: string | null;
  avatarUrl: string | null;
  headerUrl: string | null;
  alsoKnownAs: string[];
  /** the account it moved to, when known here */
  movedToAccountId: string | null;
  inboxUrl: string;
  sharedInboxUrl: string | null;
  outboxUrl: string | null;
  followersUrl: string | null;
  followingUrl: string | null;
  featuredCollectionUrl: string | null;
  publicKeyPem: string | null;
  multikeyPem: string | null;
  /** the collections' totalItems, where the remote gave them */
  counts: { followers?: number; following?: number; statuses?: number };
  /** whether WebFinger confirmed the handle just now (otherwise the account stays due for a refresh) */
  webfingered: boolean;
}

export function isRemoteAccountStale(account: Pick<AccountRow, 'domain' | 'lastWebfingeredAt'>, now = Date.now()): boolean {
  return account.domain !== null && (account.lastWebfingeredAt === null || now - account.lastWebfingeredAt.getTime() > STALE_AFTER_MS);
}

export async function findAccountByUri(ctx: AppContext, uri: string): Promise<AccountRow | undefined> {
  const [row] = await ctx.db.select().from(accounts).where(eq(accounts.uri, uri)).limit(1);
  return row;
}

async function findRemoteByHandle(ctx: AppContext, username: string, domain: string): Promise<AccountRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(accounts)
    .where(and(sql`lower(${accounts.username}) = lower(${username})`, sql`lower(${accounts.domain}) = lower(${domain})`))
    .limit(1);
  return row;
}

function columnsOf(profile: RemoteProfile, now: Date) {
  return {
    uri: profile.uri,
    username: profile.username,
    domain: profile.domain,
    protocol: 'activitypub',
    actorType: profile.actorType,
    displayName: profile.displayName,
    note: profile.note,
    fields: profile.fields,
    locked: profile.locked,
    bot: profile.bot,
    discoverable: profile.discoverable,
    indexable: profile.indexable,
    memorial: profile.memorial,
    url: profile.url,
    avatarRemoteUrl: profile.avatarUrl,
    headerRemoteUrl: profile.headerUrl,
    alsoKnownAs: profile.alsoKnownAs,
    movedToAccountId: profile.movedToAccountId,
    inboxUrl: profile.inboxUrl,
    sharedInboxUrl: profile.sharedInboxUrl,
    outboxUrl: profile.outboxUrl,
    followersUrl: profile.followersUrl,
    followingUrl: profile.followingUrl,
    featuredCollectionUrl: profile.featuredCollectionUrl,
    publicKeyPem: profile.publicKeyPem,
    remoteMultikeyPem: profile.multikeyPem,
    ...(profile.counts.followers !== undefined ? { followersCount: profile.counts.followers } : {}),
    ...(profile.counts.following !== undefined ? { followingCount: profile.counts.following } : {}),
    ...(profile.counts.statuses !== undefined ? { statusesCount: profile.counts.statuses } : {}),
    ...(profile.webfingered ? { lastWebfingeredAt: now } : {}),
    fetchedAt: now,
    updatedAt: now,
  };
}

/**
 * Mastodon's ActivityPub::ProcessAccountService, the storing half: the account with this actor
 * URI, or else with this handle (an actor that changed its id), takes the profile; otherwise a
 * new remote account is made. The username stays as first seen unless WebFinger confirmed the new one.
 * Its avatar and header are then downloaded in `pull` when they are new or changed.
 */
export async function upsertRemoteAccount(ctx: AppContext, profile: RemoteProfile): Promise<AccountRow> {
  // ProcessAccountService#process_emojis, unless the domain's media are rejected (skip_download?)
  if (profile.emojis.length && !(await rejectsMediaFrom(ctx, profile.domain))) await storeRemoteEmojis(ctx.db, profile.domain, profile.emojis);
  const now = new Date();
  const values = columnsOf(profile, now);
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = (await findAccountByUri(ctx, profile.uri)) ?? (await findRemoteByHandle(ctx, profile.username, profile.domain));
    if (existing) {
      if (existing.domain === null) throw new Error(`refusing to overwrite local account ${existing.id} with ${profile.uri}`);
      const keepName = !profile.webfingered && existing.uri === profile.uri ? { username: existing.username, domain: existing.domain } : {};
      const [updated] = await ctx.db
        .update(accounts)
        .set({ ...values, ...keepName })
        .where(eq(accounts.id, existing.id))
        .returning();
      await forgetAccounts(ctx, [existing.id]);
      await publishEvent(ctx, { type: 'account.updated', accountId: existing.id });
      await queueAccountImageDownloads(ctx, existing, updated!);
      return updated!;
    }
    const [created] = await ctx.db.insert(accounts).values(values).onConflictDoNothing().returning();
    if (created) {
      await queueAccountImageDownloads(ctx, undefined, created);
      return created;
    }
    // someone else stored this handle meanwhile: update theirs
  }
  throw new Error(`could not store remote account ${profile.uri}`);
}

/** How long after queueing a refresh another is not queued, however stale the account (its server may be down). */
const REFRESH_THROTTLE_SECONDS = 60 * 60;

/** Queues a refresh of a stale remote account in `pull`, at most once an hour per account. */
export async function refreshIfStale(ctx: AppContext, account: AccountRow): Promise<void> {
  if (!isRemoteAccountStale(account) || account.suspendedAt) return;
  try {
    if (!(await ctx.cache.setIfAbsent(`remote-account-refresh:${account.id}`, '1', REFRESH_THROTTLE_SECONDS))) return;
    await enqueue(ctx, RefreshRemoteAccount, { accountId: account.id }, { uniqueKey: `refresh-account:${account.id}` });
  } catch (error) {
    ctx.log.warn({ err: error, accountId: account.id }, 'could not queue a remote account refresh');
  }
}

/**
 * Mastodon's handling of an actor's `Delete` of itself (DeleteAccountService for a remote
 * account, keeping a suspended record): the account is suspended, so its statuses are seen by
 * nobody; its media (attachments, and the stored avatar and header) go, and so do its follows and
 * follow requests both ways and its notifications.
 */
export async function deleteRemoteAccountData(ctx: AppContext, account: AccountRow): Promise<void> {
  if (account.domain === null) return;
  await ctx.db
    .update(accounts)
    .set({ suspendedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(accounts.id, account.id), sql`${accounts.suspendedAt} IS NULL`));
  await forgetAccounts(ctx, [account.id]);
  await purgeRemoteAccountMedia(ctx, account.id);
  const pairs = [
    ...(await ctx.db
      .select({ accountId: follows.accountId, targetAccountId: follows.targetAccountId })
      .from(follows)
      .where(or(eq(follows.accountId, account.id), eq(follows.targetAccountId, account.id)))),
    ...(await ctx.db
      .select({ accountId: followRequests.accountId, targetAccountId: followRequests.targetAccountId })
      .from(followRequests)
      .where(or(eq(followRequests.accountId, account.id), eq(followRequests.targetAccountId, account.id)))),
  ];
  for (const pair of pairs) await unfollowAccount(ctx, pair.accountId, pair.targetAccountId, { federate: false });
  await ctx.db.delete(notifications).where(eq(notifications.fromAccountId, account.id));
  await publishEvent(ctx, { type: 'account.updated', accountId: account.id });
}

/** Where activities for a remote account go: its inbox, and its server's shared inbox when it has one. */
export interface RemoteInbox {
  uri: string;
  inboxUrl: string;
  sharedInboxUrl: string | null;
}

export function remoteInboxOf(account: AccountRow): RemoteInbox | undefined {
  if (account.domain === null || !account.inboxUrl) return undefined;
  return { uri: account.uri, inboxUrl: account.inboxUrl, sharedInboxUrl: account.sharedInboxUrl };
}
