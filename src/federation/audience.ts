import { PUBLIC_COLLECTION } from '@fedify/vocab';

export interface AudienceOf {
  visibility: string;
  /** the author's followers collection */
  followers: URL;
  /** actor URIs of the accounts the status mentions (not silently) */
  mentioned: URL[];
  /** for a boost, the boosted status's author */
  boostedAuthor?: URL;
}

/**
 * A status's `to` and `cc`, as Mastodon's ActivityPub::TagManager addresses them: public goes to
 * the public collection and cc's the followers, unlisted the other way round, private to the
 * followers only, direct to the mentioned accounts only; the mentioned are cc'd on all but direct.
 */
export function audienceOf(status: AudienceOf): { to: URL[]; cc: URL[] } {
  const cc: URL[] = status.boostedAuthor ? [status.boostedAuthor] : [];
  switch (status.visibility) {
    case 'public':
      return { to: [PUBLIC_COLLECTION], cc: [...cc, status.followers, ...status.mentioned] };
    case 'unlisted':
      return { to: [status.followers], cc: [...cc, PUBLIC_COLLECTION, ...status.mentioned] };
    case 'private':
      return { to: [status.followers], cc: [...cc, ...status.mentioned] };
    default:
      return { to: status.mentioned, cc };
  }
}

/** Whether a status of this visibility may be served to anyone who asks, without a signature. */
export function isPubliclyServed(visibility: string): boolean {
  return visibility === 'public' || visibility === 'unlisted';
}
