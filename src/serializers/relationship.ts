/** A follow (or a pending follow request) with its per-follow options. */
export interface FollowOptions {
  showReblogs: boolean;
  notify: boolean;
  languages: string[] | null;
}

/** How one account (the viewer) stands towards another (the target). */
export interface Relationship {
  targetAccountId: string;
  following: FollowOptions | null;
  requested: FollowOptions | null;
  followedBy: boolean;
  requestedBy: boolean;
  blocking: boolean;
  blockedBy: boolean;
  /** the viewer's live mute, and whether it hides notifications too */
  muting: { notifications: boolean } | null;
  domainBlocking: boolean;
  endorsed: boolean;
  note: string | null;
}

/** Mastodon's Relationship entity (REST::RelationshipSerializer). */
export function serializeRelationship(relationship: Relationship) {
  const follow = relationship.following ?? relationship.requested;
  return {
    id: relationship.targetAccountId,
    following: relationship.following !== null,
    showing_reblogs: follow?.showReblogs ?? false,
    notifying: follow?.notify ?? false,
    languages: follow?.languages ?? null,
    followed_by: relationship.followedBy,
    blocking: relationship.blocking,
    blocked_by: relationship.blockedBy,
    muting: relationship.muting !== null,
    muting_notifications: relationship.muting?.notifications ?? false,
    requested: relationship.requested !== null,
    requested_by: relationship.requestedBy,
    domain_blocking: relationship.domainBlocking,
    endorsed: relationship.endorsed,
    note: relationship.note ?? '',
  };
}
