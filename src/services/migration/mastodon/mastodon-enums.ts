/** Mastodon's integer enums (Rails `enum`), as its models declare them. */

export const STATUS_VISIBILITY: Record<number, string> = { 0: 'public', 1: 'unlisted', 2: 'private', 3: 'direct', 4: 'limited' };
export const MEDIA_TYPE: Record<number, string> = { 0: 'image', 1: 'gifv', 2: 'video', 3: 'unknown', 4: 'audio' };
export const MEDIA_PROCESSING: Record<number, string> = { 0: 'queued', 1: 'in_progress', 2: 'complete', 3: 'failed' };
export const PREVIEW_CARD_TYPE: Record<number, string> = { 0: 'link', 1: 'photo', 2: 'video', 3: 'rich' };
export const PREVIEW_CARD_LINK_TYPE: Record<number, string> = { 0: 'unknown', 1: 'article' };
export const DOMAIN_BLOCK_SEVERITY: Record<number, string> = { 0: 'silence', 1: 'suspend', 2: 'noop' };
export const IP_BLOCK_SEVERITY: Record<number, string> = { 5000: 'sign_up_requires_approval', 5500: 'sign_up_block', 9999: 'no_access' };
export const REPORT_CATEGORY: Record<number, string> = { 0: 'other', 1000: 'spam', 1500: 'legal', 2000: 'violation' };
export const FILTER_ACTION: Record<number, string> = { 0: 'warn', 1: 'hide', 2: 'blur' };
export const LIST_REPLIES_POLICY: Record<number, string> = { 0: 'list', 1: 'followed', 2: 'none' };
export const SUSPENSION_ORIGIN: Record<number, string> = { 0: 'local', 1: 'remote' };
/** Account#id_scheme (Mastodon 4.4): numeric_ap_id accounts are known as /ap/users/ID */
export const NUMERIC_AP_ID = 1;
/** Account.representative, the instance actor */
export const INSTANCE_ACTOR_ID = '-99';
/** AccountWarning#action: what a strike did */
export const ACCOUNT_WARNING_ACTION: Record<number, string> = {
  0: 'none',
  1000: 'disable',
  1250: 'mark_statuses_as_sensitive',
  1500: 'delete_statuses',
  2000: 'sensitive',
  3000: 'silence',
  4000: 'suspend',
};
