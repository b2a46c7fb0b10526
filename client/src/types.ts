/** The Mastodon REST entities the client reads (only the fields it uses). */
export interface Emoji {
  shortcode: string;
  url: string;
  static_url: string;
}

export interface Account {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  note: string;
  url: string;
  avatar: string;
  avatar_static: string;
  header: string;
  locked: boolean;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  emojis: Emoji[];
  source?: { note: string; privacy: Visibility; sensitive: boolean; language: string | null };
}

export interface MediaAttachment {
  id: string;
  type: 'image' | 'gifv' | 'video' | 'audio' | 'unknown';
  url: string | null;
  preview_url: string | null;
  remote_url: string | null;
  description: string | null;
  meta?: { focus?: { x: number; y: number } } | null;
}

export interface PollOption {
  title: string;
  votes_count: number | null;
}

export interface Poll {
  id: string;
  expired: boolean;
  expires_at: string | null;
  multiple: boolean;
  votes_count: number;
  voted?: boolean;
  own_votes?: number[];
  options: PollOption[];
}

export type Visibility = 'public' | 'unlisted' | 'private' | 'direct';

export interface Status {
  id: string;
  uri: string;
  url: string | null;
  created_at: string;
  account: Account;
  content: string;
  visibility: Visibility;
  sensitive: boolean;
  spoiler_text: string;
  media_attachments: MediaAttachment[];
  emojis: Emoji[];
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  mentions: { id: string; acct: string }[];
  reblog: Status | null;
  poll: Poll | null;
  favourited?: boolean;
  reblogged?: boolean;
  bookmarked?: boolean;
  edited_at: string | null;
  language: string | null;
  /** the member's filters this status matched (v2) */
  filtered?: FilterResult[];
}

export interface FilterKeyword {
  id: string;
  keyword: string;
  whole_word: boolean;
}

export type FilterContext = 'home' | 'notifications' | 'public' | 'thread' | 'account';

export interface Filter {
  id: string;
  title: string;
  context: FilterContext[];
  expires_at: string | null;
  filter_action: 'warn' | 'hide';
  keywords: FilterKeyword[];
}

export interface FilterResult {
  filter: Filter;
  keyword_matches: string[] | null;
}

/** GET /api/v1/statuses/:id/history: one version of a status. */
export interface StatusEdit {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  account: Account;
  media_attachments: MediaAttachment[];
  emojis: Emoji[];
}

export interface Conversation {
  id: string;
  unread: boolean;
  accounts: Account[];
  last_status: Status | null;
}

export interface List {
  id: string;
  title: string;
}

export interface Notification {
  id: string;
  type: string;
  created_at: string;
  account: Account;
  status?: Status | null;
  group_key?: string;
}

export interface NotificationGroup {
  group_key: string;
  notifications_count: number;
  type: string;
  most_recent_notification_id: string;
  latest_page_notification_at?: string;
  sample_account_ids: string[];
  status_id?: string | null;
}

export interface GroupedNotifications {
  accounts: Account[];
  statuses: Status[];
  notification_groups: NotificationGroup[];
}

export interface Tag {
  name: string;
  url: string;
  following?: boolean;
}

export interface Relationship {
  id: string;
  following: boolean;
  requested: boolean;
  followed_by: boolean;
  blocking: boolean;
  muting: boolean;
}

export interface Instance {
  title: string;
  configuration: {
    urls: { streaming: string };
    statuses: { max_characters: number; max_media_attachments: number; characters_reserved_per_url: number };
    polls: { max_options: number; max_characters_per_option: number };
  };
  registrations: { enabled: boolean };
  languages?: string[];
}
