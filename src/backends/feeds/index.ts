/**
 * Home and list feeds (Mastodon's FeedManager storage): the status ids of each feed, newest first,
 * kept to MAX_ITEMS, with reblogs of a status already near the top left out (REBLOG_FALLOFF).
 * Embedded: the feed_entries table; server: Redis sorted sets as in Mastodon.
 */

/** statuses kept per feed (FeedManager::MAX_ITEMS) */
export const MAX_ITEMS = 800;
/** a reblog is not inserted when the original or another reblog of it is among this many newest entries */
export const REBLOG_FALLOFF = 80;

/** `home:<account id>` or `list:<list id>` */
export type FeedKey = string;

export const homeFeed = (accountId: string): FeedKey => `home:${accountId}`;
export const listFeed = (listId: string): FeedKey => `list:${listId}`;

export interface FeedEntry {
  statusId: string;
  /** the reblogged status when the entry is a reblog */
  reblogOfId: string | null;
}

export interface FeedPage {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}

export interface Feeds {
  /** inserts into one feed (with reblog de-duplication and the trim); true when inserted */
  push(feed: FeedKey, statusId: string, reblogOfId: string | null): Promise<boolean>;
  /** the same status into many feeds at once; returns the feeds it was inserted into */
  pushToMany(feeds: FeedKey[], statusId: string, reblogOfId: string | null): Promise<FeedKey[]>;
  /** many statuses into one feed, oldest first, with the same de-duplication (merges, regeneration) */
  pushMany(feed: FeedKey, entries: FeedEntry[]): Promise<void>;
  /** takes entries out of one feed */
  remove(feed: FeedKey, entries: FeedEntry[]): Promise<void>;
  /**
   * takes a status out of every feed that may hold it; `candidates` are those feeds (the server
   * driver needs them; the embedded one removes it everywhere by status id, reblogs of it included)
   */
  removeEverywhere(entry: FeedEntry, candidates: FeedKey[]): Promise<void>;
  /** status ids newest first; `minId` takes the oldest ones above it (still returned newest first) */
  page(feed: FeedKey, page: FeedPage): Promise<string[]>;
  /** every status id in the feed, newest first */
  ids(feed: FeedKey): Promise<string[]>;
  /** whether the feed was built (an empty feed does not exist) */
  exists(feed: FeedKey): Promise<boolean>;
  clear(feed: FeedKey): Promise<void>;
  close(): Promise<void>;
}
