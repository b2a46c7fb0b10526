import { rowId } from './ids.ts';

/**
 * The ActivityPub ids of local accounts and statuses, as Mastodon names them: `/users/<username>`, or
 * `/ap/users/<id>` for an account known by its numeric id (Mastodon 4.4's numeric_ap_id, kept by
 * accounts imported from Mastodon). Fedify's actor identifier is that path (src/federation/paths.ts).
 */
/** What names a local account's actor: its username, or its id when it is known by its numeric id. */
export type ActorNaming = { id: string; username: string; numericApId: boolean };

export function accountIdentifier(account: ActorNaming): string {
  return account.numericApId ? `ap/users/${account.id}` : `users/${account.username}`;
}

/** The local account an actor identifier (or a path without its leading slash) names: by username or by id; null for anything else. */
export function actorOfIdentifier(identifier: string): { username: string } | { id: string } | null {
  const byName = /^users\/([A-Za-z0-9_.-]+)$/.exec(identifier);
  if (byName) return { username: byName[1]! };
  const byId = /^ap\/users\/([0-9]+)$/.exec(identifier);
  const id = byId ? rowId(byId[1]) : undefined;
  return id ? { id } : null;
}

/** The `uri` of a new local status, as Mastodon mints it for its author's id scheme. */
export function localStatusUri(base: string, author: ActorNaming, statusId: string): string {
  return `${base}/${accountIdentifier(author)}/statuses/${statusId}`;
}
