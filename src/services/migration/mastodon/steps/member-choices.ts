import { accountPins, announcementMutes, announcementReactions } from '../../../../db/schema.ts';
import { after, ids, rowsStep } from '../step.ts';

export const accountPinsStep = rowsStep('endorsed accounts', 'account_pins', `SELECT ${ids('id', 'account_id', 'target_account_id')}, created_at FROM account_pins ${after}`, accountPins, (row) => ({
  id: row.id,
  accountId: row.account_id,
  targetAccountId: row.target_account_id,
  createdAt: row.created_at,
}));

export const announcementReactionsStep = rowsStep(
  'announcement reactions',
  'announcement_reactions',
  `SELECT ${ids('id', 'account_id', 'announcement_id', 'custom_emoji_id')}, name, created_at FROM announcement_reactions ${after}`,
  announcementReactions,
  (row) => ({ id: row.id, accountId: row.account_id, announcementId: row.announcement_id, name: row.name, customEmojiId: row.custom_emoji_id, createdAt: row.created_at }),
);

/** Announcements a member dismissed: they stay read. */
export const announcementMutesStep = rowsStep(
  'dismissed announcements',
  'announcement_mutes',
  `SELECT ${ids('id', 'account_id', 'announcement_id')}, created_at FROM announcement_mutes ${after}`,
  announcementMutes,
  (row) => ({ id: row.id, accountId: row.account_id, announcementId: row.announcement_id, createdAt: row.created_at }),
);
