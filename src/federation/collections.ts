import type { Federation, RequestContext } from '@fedify/fedify';
import { Activity, Hashtag, Object as APObject, type Recipient } from '@fedify/vocab';
import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, lt, type SQL } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accounts, featuredTags, follows, statuses, statusPins, tags } from '../db/schema.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import { tagUrl } from '../services/statuses/tag-entities.ts';
import { accountOfIdentifier } from './actors.ts';
import { authorizeActorFetch, authorizeObjectFetch } from './authorize.ts';
import { cursorBound, FIRST_CURSOR, PAGE_SIZE, pageOf } from './cursors.ts';
import { FEATURED_PATH, FEATURED_TAGS_PATH, FOLLOWERS_PATH, FOLLOWING_PATH, INSTANCE_ACTOR, OUTBOX_COLLECTION, OUTBOX_PATH, STATUS_REPLIES_PATH } from './paths.ts';
import { findLocalStatus, statusActivities, statusObjects, type AuthoredStatus } from './statuses.ts';

const PUBLICLY_SERVED = ['public', 'unlisted'];
/** The instance actor's collections: it follows, posts and features nothing. */
const NOTHING = { items: [] };

/** The newest rows first, or those older than the cursor's id. */
function olderThan(column: Parameters<typeof lt>[0], bound: string | null): SQL | undefined {
  return bound === null ? undefined : lt(column, bound);
}

async function followPage(ctx: AppContext, account: AccountRow, direction: 'followers' | 'following', bound: string | null) {
  const other = direction === 'followers' ? follows.accountId : follows.targetAccountId;
  const own = direction === 'followers' ? follows.targetAccountId : follows.accountId;
  const rows = await ctx.db
    .select({ id: follows.id, uri: accounts.uri })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, other))
    .where(and(eq(own, account.id), olderThan(follows.id, bound)))
    .orderBy(desc(follows.id))
    .limit(PAGE_SIZE + 1);
  const { items, nextCursor } = pageOf(rows);
  return { items: items.map((row) => new URL(row.uri)), nextCursor };
}

/**
 * Followers and following: the count, and pages of actor URIs unless the member hides them
 * (Mastodon then shows the count and refuses the pages).
 */
function registerFollowCollections(federation: Federation<AppContext>) {
  federation
    .setFollowersDispatcher(FOLLOWERS_PATH, async (fctx, identifier, cursor) => {
      if (identifier === INSTANCE_ACTOR) return NOTHING;
      const account = await accountOfIdentifier(fctx.data, identifier);
      if (!account) return null;
      // Without a cursor Fedify is asking whom to deliver to (sendActivity to "followers"), not serving a page.
      if (cursor === null) return { items: await remoteFollowers(fctx.data, account) };
      const bound = cursorBound(cursor);
      if (account.hideCollections || bound === undefined) return null;
      const page = await followPage(fctx.data, account, 'followers', bound);
      return { items: page.items.map((id): Recipient => ({ id, inboxId: null })), nextCursor: page.nextCursor };
    })
    .setCounter(async (fctx, identifier) => (identifier === INSTANCE_ACTOR ? 0 : ((await accountOfIdentifier(fctx.data, identifier))?.followersCount ?? null)))
    .setFirstCursor(async (fctx, identifier) => ((await accountOfIdentifier(fctx.data, identifier)) ? FIRST_CURSOR : null))
    .authorize(authorizeActorFetch);

  federation
    .setFollowingDispatcher(FOLLOWING_PATH, async (fctx, identifier, cursor) => {
      if (identifier === INSTANCE_ACTOR) return NOTHING;
      const account = await accountOfIdentifier(fctx.data, identifier);
      const bound = cursor === null ? undefined : cursorBound(cursor);
      if (!account || account.hideCollections || bound === undefined) return null;
      return followPage(fctx.data, account, 'following', bound);
    })
    .setCounter(async (fctx, identifier) => (identifier === INSTANCE_ACTOR ? 0 : ((await accountOfIdentifier(fctx.data, identifier))?.followingCount ?? null)))
    .setFirstCursor(async (fctx, identifier) => ((await accountOfIdentifier(fctx.data, identifier)) ? FIRST_CURSOR : null))
    .authorize(authorizeActorFetch);
}

/**
 * The remote accounts following `account`, as delivery recipients: their inboxes, and their
 * servers' shared inboxes, which Fedify uses instead (one request per server) when sending with
 * `preferSharedInbox`. Accounts whose inbox is not known yet are left out.
 */
async function remoteFollowers(ctx: AppContext, account: AccountRow): Promise<Recipient[]> {
  const rows = await ctx.db
    .select({ uri: accounts.uri, inboxUrl: accounts.inboxUrl, sharedInboxUrl: accounts.sharedInboxUrl })
    .from(follows)
    .innerJoin(accounts, eq(accounts.id, follows.accountId))
    .where(and(eq(follows.targetAccountId, account.id), isNotNull(accounts.domain), isNotNull(accounts.inboxUrl), isNull(accounts.suspendedAt)));
  return rows.map((row) => ({
    id: new URL(row.uri),
    inboxId: new URL(row.inboxUrl!),
    endpoints: row.sharedInboxUrl ? { sharedInbox: new URL(row.sharedInboxUrl) } : null,
  }));
}

async function authoredStatuses(ctx: AppContext, account: AccountRow, where: SQL | undefined, order: 'newest' | 'oldest', limit: number): Promise<AuthoredStatus[]> {
  const rows = await ctx.db
    .select({ status: statuses })
    .from(statuses)
    .where(and(eq(statuses.accountId, account.id), eq(statuses.local, true), isNull(statuses.deletedAt), inArray(statuses.visibility, PUBLICLY_SERVED), where))
    .orderBy(order === 'newest' ? desc(statuses.id) : asc(statuses.id))
    .limit(limit);
  return rows.map((row) => ({ status: row.status, author: account }));
}

/**
 * The outbox: Create and Announce activities of the member's public and unlisted posts, newest
 * first; the instance actor's is empty. A custom collection, because Fedify's outbox route does
 * not take the `{+identifier}` the other actor routes use (src/federation/paths.ts).
 */
function registerOutbox(federation: Federation<AppContext>) {
  federation
    .setOrderedCollectionDispatcher(OUTBOX_COLLECTION, Activity, OUTBOX_PATH, async (fctx, { identifier }, cursor) => {
      if (identifier === INSTANCE_ACTOR) return NOTHING;
      const account = await accountOfIdentifier(fctx.data, identifier);
      const bound = cursor === null ? undefined : cursorBound(cursor);
      if (!account || bound === undefined) return null;
      const rows = await authoredStatuses(fctx.data, account, olderThan(statuses.id, bound), 'newest', PAGE_SIZE + 1);
      const { items, nextCursor } = pageOf(rows.map((row) => ({ ...row, id: row.status.id })));
      return { items: await statusActivities(fctx, items), nextCursor };
    })
    .setCounter(async (fctx, { identifier }) => (identifier === INSTANCE_ACTOR ? 0 : ((await accountOfIdentifier(fctx.data, identifier))?.statusesCount ?? null)))
    .setFirstCursor(async (fctx, { identifier }) => ((await accountOfIdentifier(fctx.data, identifier)) ? FIRST_CURSOR : null))
    .authorize((fctx, { identifier }) => authorizeActorFetch(fctx, identifier));
}

async function pinnedStatuses(ctx: AppContext, account: AccountRow): Promise<AuthoredStatus[]> {
  const rows = await ctx.db
    .select({ status: statuses })
    .from(statusPins)
    .innerJoin(statuses, eq(statuses.id, statusPins.statusId))
    .where(and(eq(statusPins.accountId, account.id), isNull(statuses.deletedAt), inArray(statuses.visibility, PUBLICLY_SERVED)))
    .orderBy(desc(statusPins.id));
  return rows.map((row) => ({ status: row.status, author: account }));
}

/** Pinned posts (as whole Notes, as Mastodon embeds them) and featured hashtags. */
function registerFeatured(federation: Federation<AppContext>) {
  federation
    .setFeaturedDispatcher(FEATURED_PATH, async (fctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return NOTHING;
      const account = await accountOfIdentifier(fctx.data, identifier);
      if (!account) return null;
      return { items: await statusObjects(fctx, await pinnedStatuses(fctx.data, account)) };
    })
    .setCounter(async (fctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return 0;
      const account = await accountOfIdentifier(fctx.data, identifier);
      return account ? (await pinnedStatuses(fctx.data, account)).length : null;
    })
    .authorize(authorizeActorFetch);

  federation
    .setFeaturedTagsDispatcher(FEATURED_TAGS_PATH, async (fctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return NOTHING;
      const account = await accountOfIdentifier(fctx.data, identifier);
      if (!account) return null;
      const rows = await fctx.data.db
        .select({ name: tags.name })
        .from(featuredTags)
        .innerJoin(tags, eq(tags.id, featuredTags.tagId))
        .where(eq(featuredTags.accountId, account.id))
        .orderBy(asc(featuredTags.id));
      return { items: rows.map((row) => new Hashtag({ href: new URL(tagUrl(fctx.data, row.name)), name: `#${row.name}` })) };
    })
    .authorize(authorizeActorFetch);
}

/** The post whose replies are asked for, if it may be shown to anyone. */
async function publicParent(fctx: RequestContext<AppContext>, values: { actor: string; id: string }): Promise<AuthoredStatus | undefined> {
  const parent = await findLocalStatus(fctx.data, values.actor, values.id);
  return parent && !parent.status.reblogOfId && PUBLICLY_SERVED.includes(parent.status.visibility) ? parent : undefined;
}

async function publicReplies(fctx: RequestContext<AppContext>, values: { actor: string; id: string }, bound: string | null) {
  const parent = await publicParent(fctx, values);
  if (!parent) return null;
  const rows = await fctx.data.db
    .select({ status: statuses, author: accounts })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(
      and(
        eq(statuses.inReplyToId, parent.status.id),
        eq(statuses.local, true),
        isNull(statuses.deletedAt),
        inArray(statuses.visibility, PUBLICLY_SERVED),
        bound === null ? undefined : gt(statuses.id, bound),
      ),
    )
    .orderBy(asc(statuses.id))
    .limit(PAGE_SIZE + 1);
  return { parent, rows };
}

/** A post's public replies, oldest first, as Notes (Mastodon embeds its local replies whole). */
function registerReplies(federation: Federation<AppContext>) {
  federation
    .setCollectionDispatcher('replies', APObject, STATUS_REPLIES_PATH, async (fctx, values, cursor) => {
      const bound = cursor === null ? undefined : cursorBound(cursor);
      if (bound === undefined) return null;
      const found = await publicReplies(fctx, values, bound);
      if (!found) return null;
      const { items, nextCursor } = pageOf(found.rows.map((row) => ({ ...row, id: row.status.id })));
      return { items: await statusObjects(fctx, items), nextCursor };
    })
    .setCounter(async (fctx, values) => {
      const parent = await publicParent(fctx, values);
      if (!parent) return null;
      const [row] = await fctx.data.db
        .select({ n: count() })
        .from(statuses)
        .where(and(eq(statuses.inReplyToId, parent.status.id), eq(statuses.local, true), isNull(statuses.deletedAt), inArray(statuses.visibility, PUBLICLY_SERVED)));
      return row?.n ?? 0;
    })
    .setFirstCursor(async (fctx, values) => ((await publicParent(fctx, values)) ? FIRST_CURSOR : null))
    .authorize((fctx) => authorizeObjectFetch(fctx));
}

export function registerCollections(federation: Federation<AppContext>) {
  registerFollowCollections(federation);
  registerOutbox(federation);
  registerFeatured(federation);
  registerReplies(federation);
}
