/**
 * Fedify's actor identifier is the actor's path, so that local accounts keep the `uri` stored for them:
 * Mastodon's `/users/<username>`, or `/ap/users/<id>` for an account known by its numeric id (Mastodon
 * 4.4's numeric_ap_id, kept by accounts imported from Mastodon); the instance actor lives at `/actor`,
 * all under one actor route. Send as a member with `{ identifier: accountIdentifier(account) }`.
 */
export const ACTOR_PATH = '/{+identifier}';
export const INSTANCE_ACTOR = 'actor';

export { accountIdentifier, type ActorNaming, actorOfIdentifier, localStatusUri } from '../lib/actor-naming.ts';

// The routes under an actor; the router prefers the longest literal match, so these win over ACTOR_PATH.
export const INBOX_PATH = '/{+identifier}/inbox';
export const SHARED_INBOX_PATH = '/inbox';
export const OUTBOX_PATH = '/{+identifier}/outbox';
/** The outbox's name as a custom collection: `fctx.getCollectionUri(OUTBOX_COLLECTION, { identifier })`. */
export const OUTBOX_COLLECTION = 'outbox';
export const FOLLOWERS_PATH = '/{+identifier}/followers';
export const FOLLOWING_PATH = '/{+identifier}/following';
export const FEATURED_PATH = '/{+identifier}/collections/featured';
export const FEATURED_TAGS_PATH = '/{+identifier}/collections/tags';

/** A local status under its author's actor path (localStatusUri); `/activity` is its Create (or, for a boost, its Announce). */
export const STATUS_PATH = '/{+actor}/statuses/{id}';
export const STATUS_ACTIVITY_PATH = '/{+actor}/statuses/{id}/activity';
export const STATUS_REPLIES_PATH = '/{+actor}/statuses/{id}/replies';

export const NODEINFO_PATH = '/nodeinfo/2.1';
