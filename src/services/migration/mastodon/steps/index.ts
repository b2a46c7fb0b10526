import type { ImportStep } from '../step.ts';
import { accessTokensStep, accountsStep, applicationsStep, usersStep, webPushStep } from './accounts.ts';
import { announcementsStep, domainAllowsStep, domainBlocksStep, emailDomainBlocksStep, ipBlocksStep, reportsStep, rulesStep, settingsStep } from './instance.ts';
import {
  accountConversationsStep,
  accountDomainBlocksStep,
  accountNotesStep,
  blocksStep,
  bookmarksStep,
  favouritesStep,
  featuredTagsStep,
  filterKeywordsStep,
  filtersStep,
  filterStatusesStep,
  followRequestsStep,
  followsStep,
  listAccountsStep,
  listsStep,
  markersStep,
  mutesStep,
  notificationsStep,
  pinsStep,
  tagFollowsStep,
} from './relationships.ts';
import { scheduledStatusesStep } from './scheduled-statuses.ts';
import { securityKeysStep } from './security-keys.ts';
import { accountPinsStep, announcementMutesStep, announcementReactionsStep } from './member-choices.ts';
import { accountModerationNotesStep, accountWarningsStep, adminActionLogsStep, appealsStep, canonicalEmailBlocksStep, invitesStep, reportNotesStep } from './moderation.ts';
import { conversationsStep, customEmojisStep, mediaAttachmentsStep, mentionsStep, pollsStep, pollVotesStep, previewCardsStep, statusEditsStep, statusesStep, tagsStep } from './statuses.ts';

/** Every step, in an order where what a row refers to is there before it. */
export const IMPORT_STEPS: ImportStep[] = [
  accountsStep,
  usersStep,
  securityKeysStep,
  applicationsStep,
  accessTokensStep,
  webPushStep,
  customEmojisStep,
  tagsStep,
  previewCardsStep,
  conversationsStep,
  statusesStep,
  statusEditsStep,
  pollsStep,
  pollVotesStep,
  mentionsStep,
  mediaAttachmentsStep,
  scheduledStatusesStep,
  followsStep,
  followRequestsStep,
  blocksStep,
  mutesStep,
  accountDomainBlocksStep,
  accountNotesStep,
  listsStep,
  listAccountsStep,
  filtersStep,
  filterKeywordsStep,
  filterStatusesStep,
  favouritesStep,
  bookmarksStep,
  pinsStep,
  markersStep,
  accountConversationsStep,
  featuredTagsStep,
  tagFollowsStep,
  settingsStep,
  rulesStep,
  domainBlocksStep,
  domainAllowsStep,
  ipBlocksStep,
  emailDomainBlocksStep,
  reportsStep,
  notificationsStep,
  announcementsStep,
  // moderation history and members' choices (after the reports, users and announcements they name)
  accountPinsStep,
  invitesStep,
  canonicalEmailBlocksStep,
  accountWarningsStep,
  appealsStep,
  adminActionLogsStep,
  reportNotesStep,
  accountModerationNotesStep,
  announcementReactionsStep,
  announcementMutesStep,
];

/**
 * What Mastodon keeps that Subspace has no place for (or that the import does not read), counted
 * for the report: table, a condition on its rows, and what the admin is told.
 */
export const NOT_CARRIED: { table: string; where?: string; reason: string }[] = [
  { table: 'quotes', reason: 'quotes (the statuses are imported, without their quote link)' },
  { table: 'session_activations', reason: 'browser sessions: members sign in again on the web (their apps stay signed in)' },
  { table: 'oauth_access_grants', where: 'revoked_at IS NULL', reason: 'authorization codes not yet exchanged for a token' },
  { table: 'oauth_access_tokens', where: 'refresh_token IS NOT NULL', reason: 'refresh tokens (the access tokens are imported)' },
  { table: 'web_settings', reason: "the web client's layout settings" },
  { table: 'webhooks', reason: 'admin webhooks' },
  { table: 'relays', reason: 'relays (subscribe to them again)' },
  { table: 'backups', reason: "members' archive exports" },
  { table: 'site_uploads', reason: "the instance's thumbnail, favicon and other uploaded pictures" },
  { table: 'custom_emoji_categories', reason: 'emoji categories (kept as each emoji category name)' },
];
