/**
 * Fedify's actor identifier is the actor's path, so that local accounts keep Mastodon's
 * `/users/<username>` (the `uri` stored for them) and the instance actor lives at `/actor`, both
 * under one actor route. Send as a member with `{ identifier: accountIdentifier(username) }`, or
 * `{ username }`, which Fedify maps through the handle mapper.
 */
export const ACTOR_PATH = '/{+identifier}';
export const INSTANCE_ACTOR = 'actor';

export function accountIdentifier(username: string): string {
  return `users/${username}`;
}

/** The username in a local account's identifier, or null for the instance actor and anything else. */
export function usernameOf(identifier: string): string | null {
  const match = /^users\/([A-Za-z0-9_.-]+)$/.exec(identifier);
  return match ? match[1]! : null;
}

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

/** A local status, as post-status.ts mints its `uri`; `/activity` is its Create (or, for a boost, its Announce). */
export const STATUS_PATH = '/users/{username}/statuses/{id}';
export const STATUS_ACTIVITY_PATH = '/users/{username}/statuses/{id}/activity';
export const STATUS_REPLIES_PATH = '/users/{username}/statuses/{id}/replies';

export const NODEINFO_PATH = '/nodeinfo/2.1';
