import type { Relationship } from '../services/relationships.ts';

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
