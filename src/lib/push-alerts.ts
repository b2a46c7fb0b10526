/** The notification types a Web Push subscription may ask to be pushed (those of Mastodon's Notification::TYPES its clients know). */
export const PUSH_ALERT_TYPES = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'admin.sign_up', 'admin.report'] as const;
/** Whose notifications are pushed: everyone's, accounts the member follows, accounts following the member, nobody's. */
export const PUSH_POLICIES = ['all', 'followed', 'follower', 'none'] as const;
