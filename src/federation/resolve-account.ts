import type { Context } from '@fedify/fedify';
import { isActor, Object as APObject, type Activity, type Actor, type DocumentLoader } from '@fedify/vocab';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { and, eq, sql } from 'drizzle-orm';
import { accounts } from '../db/schema.ts';
import { isLocalDomain, lookupAccount } from '../services/accounts/account-lookup.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { federatesWith, federatesWithUrl } from '../services/moderation/instance-domain-blocks.ts';
import { findAccountByUri, isRemoteAccountStale, refreshIfStale, upsertRemoteAccount } from '../services/activitypub/remote-accounts.ts';
import { profileOf } from './actor-profile.ts';
import { withFederation } from './federation.ts';
import { INSTANCE_ACTOR } from './paths.ts';
import { parseHandle, webfinger, WebFingerError, type Handle } from './webfinger-client.ts';

type FederationContext = Context<AppContext>;

export class ActorResolutionError extends Error {}

function isLocalUri(ctx: AppContext, uri: URL | string): boolean {
  return new URL(uri).origin === new URL(baseUrl(ctx.config)).origin;
}

/**
 * The actor at `uri`, fetched (signed by the instance actor, as Mastodon signs its fetches) and
 * checked to be an actor whose id is on the origin it was fetched from. (Not lookupObject(),
 * which tries WebFinger on the URL when the fetch fails.)
 */
async function fetchActor(fctx: FederationContext, uri: URL, documentLoader: DocumentLoader): Promise<Actor> {
  if (isLocalUri(fctx.data, uri)) throw new ActorResolutionError(`${uri.href} is a local URI`);
  // nothing is fetched from a suspended domain, nor, in limited federation mode, from one not allowed
  if (!(await federatesWithUrl(fctx.data, uri))) throw new ActorResolutionError(`${uri.host} is not federated with`);
  const object = await documentLoader(uri.href)
    .then(({ document, documentUrl }) => APObject.fromJsonLd(document, { documentLoader, contextLoader: fctx.contextLoader, baseUrl: new URL(documentUrl) }))
    .catch(() => null);
  if (!isActor(object) || !object.id || object.id.origin !== uri.origin) throw new ActorResolutionError(`${uri.href} is not an actor`);
  return object;
}

/** The handle an actor claims: `preferredUsername` at the host of its id. */
function claimedHandle(actor: Actor): Handle | undefined {
  const username = actor.preferredUsername;
  return typeof username === 'string' && actor.id ? parseHandle(`${username}@${actor.id.host}`) : undefined;
}

/**
 * Mastodon's FetchRemoteActorService#check_webfinger!: the handle WebFinger confirms for the
 * actor's claimed one (possibly on another domain, through one redirect), which must point back
 * to the actor. Without it, a domain could claim another server's actor as its own.
 */
async function confirmedHandle(ctx: AppContext, actor: Actor): Promise<Handle> {
  const claimed = claimedHandle(actor);
  if (!claimed) throw new ActorResolutionError(`${actor.id?.href} has no usable preferredUsername`);
  const found = await webfinger(ctx, claimed);
  if (found.actorUri !== actor.id!.href) throw new ActorResolutionError(`WebFinger for ${found.username}@${found.domain} does not point back to ${actor.id!.href}`);
  return { username: found.username, domain: found.domain };
}

async function movedToAccountId(fctx: FederationContext, actor: Actor, depth: number): Promise<string | null> {
  const successor = actor.successorId;
  if (!successor) return null;
  const known = await findAccountByUri(fctx.data, successor.href);
  if (known) return known.id;
  if (depth > 0) return null;
  // the account it moved to, fetched once (not the one that one moved to)
  const resolved = await resolveActor(fctx, successor, { depth: depth + 1 }).catch(() => undefined);
  return resolved?.id ?? null;
}

async function store(fctx: FederationContext, actor: Actor, handle: Handle, options: { webfingered: boolean; documentLoader: DocumentLoader; depth: number }): Promise<AccountRow> {
  if (isLocalDomain(fctx.data, handle.domain) || isLocalUri(fctx.data, actor.id!)) throw new ActorResolutionError(`${actor.id!.href} claims a local handle`);
  const profile = await profileOf(actor, handle, {
    documentLoader: options.documentLoader,
    webfingered: options.webfingered,
    movedToAccountId: await movedToAccountId(fctx, actor, options.depth),
  });
  if (!profile) throw new ActorResolutionError(`${actor.id!.href} has no inbox`);
  return upsertRemoteAccount(fctx.data, profile);
}

/** An actor by URI: fetched, its handle confirmed through WebFinger, stored. */
async function resolveActor(fctx: FederationContext, uri: URL, options: { depth: number }): Promise<AccountRow> {
  const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const actor = await fetchActor(fctx, uri, documentLoader);
  const handle = await confirmedHandle(fctx.data, actor);
  return store(fctx, actor, handle, { webfingered: true, documentLoader, depth: options.depth });
}

/** A handle: WebFinger, then its actor (whose own WebFinger must agree unless it lives at the handle's domain under that name). */
async function resolveHandle(fctx: FederationContext, handle: Handle): Promise<AccountRow | undefined> {
  const found = await webfinger(fctx.data, handle);
  if (isLocalDomain(fctx.data, found.domain)) return (await lookupAccount(fctx.data, found.username))?.account;
  const documentLoader = await fctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  const actor = await fetchActor(fctx, new URL(found.actorUri), documentLoader);
  const claimed = claimedHandle(actor);
  const selfConfirmed = claimed !== undefined && claimed.domain === found.domain && claimed.username.toLowerCase() === found.username.toLowerCase() && actor.id!.href === found.actorUri;
  const confirmed = selfConfirmed ? { username: found.username, domain: found.domain } : await confirmedHandle(fctx.data, actor);
  return store(fctx, actor, confirmed, { webfingered: true, documentLoader, depth: 0 });
}

async function knownRemote(ctx: AppContext, handle: Handle): Promise<AccountRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(accounts)
    .where(and(sql`lower(${accounts.username}) = lower(${handle.username})`, sql`lower(${accounts.domain}) = lower(${handle.domain})`))
    .limit(1);
  return row;
}

function logFailure(ctx: AppContext, what: string, error: unknown) {
  const expected = error instanceof ActorResolutionError || error instanceof WebFingerError;
  ctx.log[expected ? 'debug' : 'warn']({ err: error }, `could not resolve ${what}`);
}

/**
 * Mastodon's ResolveAccountService: `user@domain` (or `@user@domain`) as an account. A local
 * handle is looked up; a remote one known and fresh is returned as it is; otherwise WebFinger
 * and the actor are fetched (through this instance's outbound policy) and the account stored.
 * A failed refresh leaves the known account; a failed first resolution gives undefined. `signal`
 * ends its requests early (then it has failed).
 */
export async function resolveRemoteAccount(ctx: AppContext, acct: string, options: { signal?: AbortSignal } = {}): Promise<AccountRow | undefined> {
  const handle = parseHandle(acct);
  if (!handle) return undefined;
  if (isLocalDomain(ctx, handle.domain)) return (await lookupAccount(ctx, handle.username))?.account;
  const known = await knownRemote(ctx, handle);
  if (known && (!isRemoteAccountStale(known) || known.suspendedAt)) return known;
  if (!(await federatesWith(ctx, handle.domain)) || options.signal?.aborted) return known;
  try {
    return (await withFederation(ctx, (fctx) => resolveHandle(fctx, handle), options)) ?? known;
  } catch (error) {
    logFailure(ctx, acct, error);
    return known;
  }
}

/** resolveRemoteAccount as the resolver of unknown mentions that posting and editing take. */
export const mentionedAccountResolver = (ctx: AppContext) => (acct: string, signal: AbortSignal) => resolveRemoteAccount(ctx, acct, { signal });

/** An account by its actor URI (Mastodon's FetchRemoteAccountService): the known one if fresh, else fetched and stored. */
export async function resolveRemoteAccountByUri(ctx: AppContext, uri: string): Promise<AccountRow | undefined> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const known = await findAccountByUri(ctx, url.href);
  if (known && (known.domain === null || !isRemoteAccountStale(known) || known.suspendedAt)) return known;
  if (!(await federatesWithUrl(ctx, url))) return known;
  try {
    return await withFederation(ctx, (fctx) => resolveActor(fctx, url, { depth: 0 }));
  } catch (error) {
    logFailure(ctx, uri, error);
    return known;
  }
}

/** The `pull` job: a remote account fetched again and its handle confirmed (Mastodon's RefreshRemoteAccountWorker). */
export async function refreshRemoteAccount(ctx: AppContext, data: { accountId: string }): Promise<void> {
  const [account] = await ctx.db.select().from(accounts).where(eq(accounts.id, data.accountId));
  if (!account || account.domain === null || account.suspendedAt || !(await federatesWith(ctx, account.domain))) return;
  try {
    await withFederation(ctx, (fctx) => resolveActor(fctx, new URL(account.uri), { depth: 0 }));
  } catch (error) {
    // not retried: the next activity or lookup after the throttle asks again
    logFailure(ctx, account.uri, error);
  }
}

/**
 * The remote account behind an inbound activity's actor (whose signature Fedify checked): the
 * known one, or the actor (already fetched for its key) stored at its claimed handle, as
 * Mastodon does for signers (`only_key`), with a refresh queued to confirm the handle.
 */
export async function remoteAccountOfActivity(fctx: FederationContext, activity: Activity): Promise<AccountRow | undefined> {
  const actorId = activity.actorId;
  if (!actorId || isLocalUri(fctx.data, actorId)) return undefined;
  // an activity from a domain this instance does not federate with (suspended since it was queued) is dropped
  if (!(await federatesWithUrl(fctx.data, actorId))) return undefined;
  const known = await findAccountByUri(fctx.data, actorId.href);
  if (known?.domain === null) return undefined;
  if (known?.inboxUrl) {
    await refreshIfStale(fctx.data, known);
    return known;
  }
  const actor = await activity.getActor(fctx).catch(() => null);
  if (!isActor(actor) || actor.id?.href !== actorId.href) return undefined;
  const handle = claimedHandle(actor);
  if (!handle) return undefined;
  const account = await store(fctx, actor, handle, { webfingered: false, documentLoader: fctx.documentLoader, depth: 1 }).catch((error: unknown) => {
    logFailure(fctx.data, actorId.href, error);
    return undefined;
  });
  if (account) await refreshIfStale(fctx.data, account);
  return account;
}

/** An actor's Update of itself: the profile it carries, stored under the account's confirmed handle. */
export async function updateRemoteActor(fctx: FederationContext, account: AccountRow, actor: Actor): Promise<void> {
  if (account.domain === null) return;
  await store(fctx, actor, { username: account.username, domain: account.domain }, { webfingered: false, documentLoader: fctx.documentLoader, depth: 1 });
}
