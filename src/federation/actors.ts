import type { Context } from '@fedify/fedify';
import { Application, Endpoints, Image, Person, PropertyValue, Service } from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { baseUrl } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import { accounts, users } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { inlineToHtml, plainToHtml } from '../services/statuses/text/plain-to-html.ts';
import { emojiRowsOfAccounts } from '../presenters/account-emojis.ts';
import { emojiTags } from './emojis.ts';
import { accountKeyPairs, instanceActorKeyPairs } from './keys.ts';
import { accountIdentifier, actorOfIdentifier, INSTANCE_ACTOR, OUTBOX_COLLECTION } from './paths.ts';

type FederationContext = Context<AppContext>;

/** A local account that may be shown to other servers: one whose sign-up is not waiting for approval (Mastodon's 404 for pending users). */
export async function findLocalActorAccount(ctx: AppContext, username: string): Promise<AccountRow | undefined> {
  const [row] = await ctx.db
    .select({ account: accounts })
    .from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(and(isNull(accounts.domain), sql`lower(${accounts.username}) = lower(${username})`, eq(users.approved, true)));
  return row?.account;
}

/** A local account known by its numeric ActivityPub id (`/ap/users/<id>`) that may be shown to other servers. */
async function findNumericActorAccount(ctx: AppContext, id: string): Promise<AccountRow | undefined> {
  const [row] = await ctx.db
    .select({ account: accounts })
    .from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(accounts.id, id), isNull(accounts.domain), eq(accounts.numericApId, true), eq(users.approved, true)));
  return row?.account;
}

/**
 * The local account an actor identifier names, if any: `users/<username>` (which Mastodon answers for
 * every local account, whatever its id scheme) or `ap/users/<id>` (only for one known by that id).
 */
export async function accountOfIdentifier(ctx: AppContext, identifier: string): Promise<AccountRow | undefined> {
  const actor = actorOfIdentifier(identifier);
  if (!actor) return undefined;
  return 'username' in actor ? findLocalActorAccount(ctx, actor.username) : findNumericActorAccount(ctx, actor.id);
}

/** The local account whose actor URI (or path) this is, on this instance's origin, if any. */
export async function localAccountOfActorUri(ctx: AppContext, uri: URL): Promise<AccountRow | undefined> {
  if (uri.origin !== new URL(baseUrl(ctx.config)).origin || uri.search) return undefined;
  return accountOfIdentifier(ctx, uri.pathname.slice(1));
}

/** WebFinger's `acct:` user part → actor identifier: a member's username, or the instance actor's (the local domain, as in Mastodon). */
export async function mapHandle(fctx: FederationContext, username: string): Promise<string | null> {
  if (username.toLowerCase() === fctx.data.config.localDomain) return INSTANCE_ACTOR;
  const account = await findLocalActorAccount(fctx.data, username);
  return account ? accountIdentifier(account) : null;
}

export async function dispatchKeyPairs(fctx: FederationContext, identifier: string): Promise<CryptoKeyPair[]> {
  if (identifier === INSTANCE_ACTOR) return instanceActorKeyPairs(fctx.data);
  const account = await accountOfIdentifier(fctx.data, identifier);
  return account ? accountKeyPairs(fctx.data, account) : [];
}

const midnight = (date: Date) => Temporal.Instant.from(`${date.toISOString().slice(0, 10)}T00:00:00Z`);

async function keyProperties(fctx: FederationContext, identifier: string) {
  const keys = await fctx.getActorKeyPairs(identifier);
  return { publicKey: keys[0]?.cryptographicKey ?? null, assertionMethods: keys.map((key) => key.multikey) };
}

/** Mastodon's instance actor: an Application at /actor, named after the local domain, that signs the instance's own fetches. */
async function instanceActor(fctx: FederationContext): Promise<Application> {
  const { config } = fctx.data;
  return new Application({
    id: fctx.getActorUri(INSTANCE_ACTOR),
    preferredUsername: config.localDomain,
    name: config.localDomain,
    url: new URL(`${baseUrl(config)}/about/more?instance_actor=true`),
    manuallyApprovesFollowers: true,
    inbox: fctx.getInboxUri(INSTANCE_ACTOR),
    outbox: fctx.getCollectionUri(OUTBOX_COLLECTION, { identifier: INSTANCE_ACTOR }),
    // empty, like its outbox; Fedify expects every actor to have the collections it serves
    followers: fctx.getFollowersUri(INSTANCE_ACTOR),
    following: fctx.getFollowingUri(INSTANCE_ACTOR),
    featured: fctx.getFeaturedUri(INSTANCE_ACTOR),
    featuredTags: fctx.getFeaturedTagsUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: fctx.getInboxUri() }),
    ...(await keyProperties(fctx, INSTANCE_ACTOR)),
  });
}

async function movedToUri(ctx: AppContext, account: AccountRow): Promise<URL | null> {
  if (!account.movedToAccountId) return null;
  const [target] = await ctx.db.select({ uri: accounts.uri }).from(accounts).where(eq(accounts.id, account.movedToAccountId));
  return target ? new URL(target.uri) : null;
}

/** A member's avatar or header as ActivityPub::ImageSerializer shows it: the stored file (the original, animated if it is), its type, its description. */
function storedImage(ctx: AppContext, fileKey: string | null, contentType: string | null, description: string): Image | null {
  if (!fileKey) return null;
  return new Image({ url: new URL(ctx.storage.url(fileKey)), mediaType: contentType, name: description || null });
}

/** A member as Mastodon's ActivityPub::ActorSerializer shows one: `Service` for bots, a bare profile while suspended. */
export async function accountActor(fctx: FederationContext, account: AccountRow): Promise<Person | Service> {
  const identifier = accountIdentifier(account);
  const unavailable = account.suspendedAt !== null;
  const emojis = (await emojiRowsOfAccounts(fctx.data, [account])).get(account.id) ?? [];
  const values = {
    id: new URL(account.uri),
    preferredUsername: account.username,
    name: unavailable ? account.username : account.displayName || account.username,
    summary: unavailable ? '' : plainToHtml(account.note),
    url: new URL(account.url ?? account.uri),
    published: midnight(account.createdAt),
    manuallyApprovesFollowers: unavailable ? false : account.locked,
    discoverable: unavailable ? false : (account.discoverable ?? false),
    indexable: unavailable ? false : account.indexable,
    memorial: account.memorial,
    suspended: unavailable ? true : null,
    attachments: unavailable ? [] : account.fields.map((field) => new PropertyValue({ name: field.name, value: inlineToHtml(field.value) })),
    // Mastodon's virtual_tags: the custom emoji of the name, bio and fields
    tags: emojiTags(fctx.data, emojis),
    icon: unavailable ? null : storedImage(fctx.data, account.avatarFileKey, account.avatarContentType, account.avatarDescription),
    image: unavailable ? null : storedImage(fctx.data, account.headerFileKey, account.headerContentType, account.headerDescription),
    aliases: unavailable ? [] : (account.alsoKnownAs ?? []).map((uri) => new URL(uri)),
    successor: unavailable ? null : await movedToUri(fctx.data, account),
    inbox: fctx.getInboxUri(identifier),
    outbox: fctx.getCollectionUri(OUTBOX_COLLECTION, { identifier }),
    followers: fctx.getFollowersUri(identifier),
    following: fctx.getFollowingUri(identifier),
    featured: fctx.getFeaturedUri(identifier),
    featuredTags: fctx.getFeaturedTagsUri(identifier),
    endpoints: new Endpoints({ sharedInbox: fctx.getInboxUri() }),
    ...(await keyProperties(fctx, identifier)),
  };
  return account.bot ? new Service(values) : new Person(values);
}

export async function dispatchActor(fctx: FederationContext, identifier: string): Promise<Application | Person | Service | null> {
  if (identifier === INSTANCE_ACTOR) return instanceActor(fctx);
  const account = await accountOfIdentifier(fctx.data, identifier);
  return account ? accountActor(fctx, account) : null;
}
