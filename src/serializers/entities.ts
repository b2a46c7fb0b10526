/**
 * The Mastodon REST entities the serializers return (https://docs.joinmastodon.org/entities/),
 * declared once. Fields Mastodon shows only to a signed-in viewer are optional.
 */

export interface CustomEmoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  category?: string;
}

export interface AccountField {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface AccountRole {
  id: string;
  name: string;
  color: string;
}

export interface Account {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  locked: boolean;
  bot: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  group: boolean;
  created_at: string;
  note: string;
  url: string;
  uri: string;
  avatar: string;
  avatar_static: string;
  avatar_description: string;
  header: string;
  header_static: string;
  header_description: string;
  followers_count: number;
  following_count: number;
  statuses_count: number;
  last_status_at: string | null;
  hide_collections: boolean;
  noindex?: boolean;
  emojis: CustomEmoji[];
  roles: AccountRole[];
  fields: AccountField[];
  suspended?: true;
  limited?: true;
  memorial?: true;
  moved?: Account | null;
}

export interface MediaAttachment {
  id: string;
  type: string;
  url: string | null;
  preview_url: string | null;
  remote_url: string | null;
  preview_remote_url: null;
  text_url: null;
  meta: unknown;
  description: string | null;
  blurhash: string | null;
}

export interface PreviewCard {
  url: string;
  title: string;
  description: string;
  language: string | null;
  type: string;
  author_name: string;
  author_url: string;
  provider_name: string;
  provider_url: string;
  html: string;
  width: number;
  height: number;
  image: string | null;
  image_description: string;
  embed_url: string;
  blurhash: string | null;
  published_at: string | null;
  authors: { name: string; url: string; account: null }[];
}

export interface PollOption {
  title: string;
  votes_count: number | null;
}

export interface Poll {
  id: string;
  expires_at: string | null;
  expired: boolean;
  multiple: boolean;
  votes_count: number;
  voters_count: number | null;
  options: PollOption[];
  emojis: CustomEmoji[];
  voted?: boolean;
  own_votes?: number[];
}

export interface Filter {
  id: string;
  title: string;
  context: string[];
  expires_at: string | null;
  filter_action: string;
  keywords?: { id: string; keyword: string; whole_word: boolean }[];
  statuses?: { id: string; status_id: string }[];
}

export interface FilterResult {
  filter: Filter;
  keyword_matches: string[] | null;
  status_matches: string[] | null;
}

export interface StatusMention {
  id: string;
  username: string;
  url: string;
  acct: string;
}

export interface StatusTag {
  name: string;
  url: string;
}

export interface StatusApplication {
  name: string;
  website: string | null;
}

/** The fields of a Status only a signed-in viewer sees (their marks, and what their filters found). */
export interface StatusViewerFields {
  favourited?: boolean;
  reblogged?: boolean;
  muted?: boolean;
  bookmarked?: boolean;
  pinned?: boolean;
  filtered?: FilterResult[];
}

export interface Status extends StatusViewerFields {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  sensitive: boolean;
  spoiler_text: string;
  visibility: string;
  language: string | null;
  uri: string | null;
  url: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  quotes_count: number;
  edited_at: string | null;
  content: string;
  reblog: Status | null;
  application: StatusApplication | null;
  account: Account;
  media_attachments: MediaAttachment[];
  mentions: StatusMention[];
  tags: StatusTag[];
  emojis: CustomEmoji[];
  card: PreviewCard | null;
  poll: Poll | null;
}
