import type { accounts, announcements, customEmojis, oauthApplications, users } from './schema.ts';

/** Row types of the tables the serializers read, declared once beside the schema. */
export type AccountRow = typeof accounts.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApplicationRow = typeof oauthApplications.$inferSelect;
export type CustomEmojiRow = typeof customEmojis.$inferSelect;
export type AnnouncementRow = typeof announcements.$inferSelect;
