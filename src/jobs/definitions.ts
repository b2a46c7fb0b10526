import type { Message as FedifyMessage } from '@fedify/fedify';
import type { QueueName } from '../backends/queue/index.ts';
import type { InteractionDelivery, StatusDelivery } from '../services/activitypub/status-deliveries.ts';
import type { WebhookEvent } from '../services/webhooks/webhooks.ts';
import type { RelationshipDelivery } from '../services/activitypub/relationship-deliveries.ts';

/** A kind of background job: its name, its queue, and how often it may be tried. */
export interface JobDefinition<TData> {
  name: string;
  queue: QueueName;
  attempts?: number;
  /** phantom field carrying the payload type */
  readonly data?: TData;
}

function job<TData>(name: string, queue: QueueName, attempts?: number): JobDefinition<TData> {
  return { name, queue, attempts };
}

// Every job the instance runs, named after the Mastodon worker it stands for.
export const ConfirmationMail = job<{ userId: string; token: string }>('ConfirmationMail', 'mailers');
/** Devise's reset_password_instructions. */
export const PasswordResetMail = job<{ userId: string; token: string }>('PasswordResetMail', 'mailers');
/** Tells a member by e-mail of a strike against their account (UserMailer#warning). */
export const WarningMail = job<{ accountWarningId: string }>('UserMailer#warning', 'mailers');
/** Mails a member a notification they want mailed (NotificationMailer: mention, follow, favourite, reblog, follow request). */
export const NotificationMail = job<{ notificationId: string }>('NotificationMailer', 'mailers');
/** Tells staff who want it of a new report (AdminMailer#new_report). */
export const NewReportMail = job<{ recipientUserId: string; reportId: string }>('AdminMailer#new_report', 'mailers');
/** Tells staff who want it of a sign-up waiting for their approval (AdminMailer#new_pending_account). */
export const PendingAccountMail = job<{ recipientUserId: string; userId: string }>('AdminMailer#new_pending_account', 'mailers');
/** Tells a member of a sign-in from an address they never used (UserMailer#suspicious_sign_in). */
export const SuspiciousSignInMail = job<{ userId: string; ip: string; userAgent: string; at: string }>('UserMailer#suspicious_sign_in', 'mailers');
/** Tells the old address that the account's address is being changed (Devise's email_changed). */
export const EmailChangedMail = job<{ userId: string; oldEmail: string; newEmail: string }>('UserMailer#email_changed', 'mailers');
/** The changes to a member's sign-in that Mastodon's UserMailer tells them of. */
export type TwoFactorEvent =
  | 'two_factor_enabled'
  | 'two_factor_disabled'
  | 'two_factor_recovery_codes_changed'
  | 'webauthn_enabled'
  | 'webauthn_disabled'
  | 'webauthn_credential_added'
  | 'webauthn_credential_deleted';
/** Tells a member by e-mail that their two-factor sign-in changed (UserMailer#two_factor_enabled, #webauthn_credential_added…). */
export const TwoFactorMail = job<{ userId: string; event: TwoFactorEvent; nickname?: string }>('UserMailer#two_factor', 'mailers');
/** Tells the staff who decide appeals that a member appealed a strike (AdminMailer#new_appeal). */
export const AppealMail = job<{ appealId: string }>('AdminMailer#new_appeal', 'mailers');
export const OauthCleanup = job<Record<string, never>>('Scheduler::OauthCleanup', 'scheduler', 1);

/** Home/list/hashtag-follower fan-out of a status (Mastodon's DistributionWorker, run by fan-out on write). */
export const Distribution = job<{
  statusId: string;
  update?: boolean;
}>('DistributionWorker', 'default');
/** Removes a deleted status from every feed (RemovalWorker). */
export const FeedRemoval = job<{ statusId: string }>('RemovalWorker', 'default');
/** Merges a newly followed account's recent statuses into the follower's home feed (MergeWorker). */
export const FeedMerge = job<{ accountId: string; targetAccountId: string }>('MergeWorker', 'default');
/** Takes an unfollowed (or blocked, or muted) account's statuses out of a home feed (UnmergeWorker). */
export const FeedUnmerge = job<{ accountId: string; targetAccountId: string }>('UnmergeWorker', 'default');
/** Rebuilds a missing home feed while the home timeline answers 206 (RegenerationWorker). */
export const RegenerateHome = job<{ accountId: string }>('RegenerationWorker', 'default');
/** Publishes a scheduled status (PublishScheduledStatusWorker). */
export const PublishScheduledStatus = job<{ scheduledStatusId: string }>('PublishScheduledStatusWorker', 'default');
/** Makes the styles of a video or audio uploaded through `POST /api/v2/media` (PostProcessMediaWorker: tried twice, as Mastodon's `retry: 1`). */
export const PostProcessMedia = job<{ mediaAttachmentId: string }>('PostProcessMediaWorker', 'default', 2);
/** Tells the voters and the author that a poll ended (PollExpirationNotifyWorker). */
export const PollExpirationNotify = job<{ pollId: string }>('PollExpirationNotifyWorker', 'default');
/** Finds scheduled statuses due soon and enqueues them (Scheduler::ScheduledStatusesScheduler). */
export const ScheduledStatusesScheduler = job<Record<string, never>>('Scheduler::ScheduledStatusesScheduler', 'scheduler', 1);
/** Enqueues again the fan-out of statuses whose Distribution job was lost (the pending_distributions outbox). */
export const PendingDistributionsScheduler = job<Record<string, never>>('Scheduler::PendingDistributionsScheduler', 'scheduler', 1);
/** Enqueues the deliveries the queue could not take when they were made (the deferred_jobs outbox, src/jobs/deferred-jobs.ts). */
export const DeferredJobsScheduler = job<Record<string, never>>('Scheduler::DeferredJobsScheduler', 'scheduler', 1);
/** Scores trending hashtags, links and statuses again (Scheduler::Trends::RefreshScheduler). */
export const TrendsRefreshScheduler = job<Record<string, never>>('Scheduler::Trends::RefreshScheduler', 'scheduler', 1);
/** Mastodon's daily clean-ups (Scheduler::VacuumScheduler): remote statuses and media past their retention periods, unattached uploads, revoked tokens, inactive feeds, abandoned apps. */
export const VacuumScheduler = job<Record<string, never>>('Scheduler::VacuumScheduler', 'scheduler', 1);
/** Writes an encrypted backup to BACKUP_TO for BACKUP_RECIPIENTS, keeping BACKUP_KEEP of them (Subspace's own: Mastodon leaves backups to scripts). */
export const BackupScheduler = job<Record<string, never>>('Subspace::BackupScheduler', 'scheduler', 1);
/** Ends old sessions, forgets old IP addresses and removes expired IP blocks (Scheduler::IpCleanupScheduler). */
export const IpCleanupScheduler = job<Record<string, never>>('Scheduler::IpCleanupScheduler', 'scheduler', 1);
/** Removes a member's notifications past six months beyond their newest 20,000 of each type (Scheduler::NotificationsCleanupScheduler). */
export const NotificationsCleanupScheduler = job<Record<string, never>>('Scheduler::NotificationsCleanupScheduler', 'scheduler', 1);
/** Removes sign-ups unconfirmed a week after their mail and statuses deleted 30 days ago (Scheduler::UserCleanupScheduler). */
export const UserCleanupScheduler = job<Record<string, never>>('Scheduler::UserCleanupScheduler', 'scheduler', 1);
/** Queues the deletion of accounts suspended 30 days ago (Scheduler::SuspendedUserCleanupScheduler). */
export const SuspendedUserCleanupScheduler = job<Record<string, never>>('Scheduler::SuspendedUserCleanupScheduler', 'scheduler', 1);
/** Deletes a suspended account's content once its 30 days are over (Admin::AccountDeletionWorker). */
export const PurgeSuspendedAccount = job<{ accountId: string }>('Admin::AccountDeletionWorker', 'pull', 3);
/** Removes the cached copies of a blocked domain's media: avatars, headers, attachments, emoji (DomainClearMediaWorker). */
export const DomainClearMedia = job<{ domainBlockId: string }>('DomainClearMediaWorker', 'pull');
/** Publishes a due scheduled announcement, and streams a published one to every listening member (PublishScheduledAnnouncementWorker). */
export const PublishScheduledAnnouncement = job<{ announcementId: string }>('PublishScheduledAnnouncementWorker', 'default');
/** Streams an announcement reaction's new count (PublishAnnouncementReactionWorker). */
export const PublishAnnouncementReaction = job<{ announcementId: string; name: string }>('PublishAnnouncementReactionWorker', 'default');
/** Streams the withdrawal of an unpublished or deleted announcement (UnpublishAnnouncementWorker). */
export const UnpublishAnnouncement = job<{ announcementId: string }>('UnpublishAnnouncementWorker', 'default');

/** Fetches a remote account's actor again, confirming its handle through WebFinger (Mastodon's ActivityPub::RefreshRemoteAccountWorker). */
export const RefreshRemoteAccount = job<{ accountId: string }>('RefreshRemoteAccountWorker', 'pull', 3);
/** Sends a Follow, Accept, Reject, Block or their Undo between a local and a remote account (what Mastodon's relationship services hand to ActivityPub::DeliveryWorker). */
export const DeliverRelationship = job<RelationshipDelivery>('ActivityPub::RelationshipDeliveryWorker', 'push');

/** Sends a member's changed profile to its followers' servers (Mastodon's ActivityPub::UpdateDistributionWorker). */
export const DistributeActorUpdate = job<{ accountId: string; reach?: boolean }>('ActivityPub::UpdateDistributionWorker', 'push');

/** Forwards a member's report of a remote account to its server as a Flag (what ReportService hands to ActivityPub::DeliveryWorker). */
export const DeliverFlag = job<{ reportId: string; domains: string[] }>('ActivityPub::FlagDeliveryWorker', 'push');
/** Sends a member's pin or unpin to its followers' servers as Add or Remove (ActivityPub::RawDistributionWorker from the pins controller). */
export const DeliverFeatured = job<{ action: 'add' | 'remove'; accountId: string; statusId: string }>('ActivityPub::FeaturedDistributionWorker', 'push');
/** Sends a member's Move to its followers' servers and those that block it (ActivityPub::MoveDistributionWorker). */
export const DistributeMove = job<{ migrationId: string }>('ActivityPub::MoveDistributionWorker', 'push');
/** Moves the local followers of an account that moved to the account it moved to (MoveWorker). */
export const MoveFollowers = job<{ sourceAccountId: string; targetAccountId: string }>('MoveWorker', 'default');
/** One local follower of a moved account follows the new one and unfollows the old (UnfollowFollowWorker). */
export const UnfollowFollow = job<{ followerId: string; oldTargetId: string; newTargetId: string; bypassLocked: boolean }>('UnfollowFollowWorker', 'pull');

/** Renders an event's object once and enqueues its delivery to each webhook subscribed to it (TriggerWebhookWorker). */
export const TriggerWebhook = job<{ event: WebhookEvent; objectId: string; at: string }>('TriggerWebhookWorker', 'default');
/** POSTs one signed event to one webhook (Webhooks::DeliveryWorker; Mastodon retries it 16 times). */
export const WebhookDelivery = job<{ webhookId: string; body: string }>('Webhooks::DeliveryWorker', 'push', 17);

// Fedify's three task queues, worked by the job runner like every other job (src/federation/message-queue.ts).
/** An inbound activity to process, from Fedify's inbox queue (ActivityPub::ProcessingWorker; Mastodon retries it 8 times). */
export const ActivityPubProcessing = job<FedifyMessage>('ActivityPub::ProcessingWorker', 'ingress', 9);
/** One activity to one inbox, from Fedify's outbox queue (ActivityPub::DeliveryWorker; Mastodon retries it 16 times). */
export const ActivityPubDelivery = job<FedifyMessage>('ActivityPub::DeliveryWorker', 'push', 17);
/** One activity to be split into a delivery per inbox, from Fedify's fan-out queue. */
export const ActivityPubFanout = job<FedifyMessage>('ActivityPub::FanoutWorker', 'push');

/** Sends a local status's Create, Update or Delete (a boost's Announce or Undo) to other servers (Mastodon's ActivityPub::DistributionWorker and its kin). */
export const DeliverStatus = job<StatusDelivery>('ActivityPub::DistributionWorker', 'push');
/** Sends a member's Like, its Undo, or poll votes to a remote status's server (what FavouriteService and VoteService hand to ActivityPub::DeliveryWorker). */
export const DeliverInteraction = job<InteractionDelivery>('ActivityPub::InteractionDeliveryWorker', 'push');

/** Sends one notification to one Web Push subscription, encrypted (Web::PushNotificationWorker; Mastodon retries it 5 times). */
export const WebPushNotification = job<{ subscriptionId: string; notificationId: string }>('Web::PushNotificationWorker', 'push', 6);

/** Fetches the unknown status a remote reply answers and links the reply to it (Mastodon's ThreadResolveWorker). */
export const ThreadResolve = job<{ statusId: string; parentUri: string; requestId: string }>('ThreadResolveWorker', 'pull', 4);
/** Reads a remote status's `replies` collection and fetches the first few replies from its server (ActivityPub::FetchRepliesWorker). */
export const FetchReplies = job<{ statusId: string; collectionUri: string; requestId: string }>('ActivityPub::FetchRepliesWorker', 'pull', 4);
/** Fetches the preview card of a status's first link and attaches it (LinkCrawlWorker; never retried, as Mastodon's). */
export const LinkCrawl = job<{ statusId: string }>('LinkCrawlWorker', 'pull', 1);
/** Fetches one reply named by a `replies` collection (FetchReplyWorker). */
export const FetchReply = job<{ uri: string; requestId: string }>('FetchReplyWorker', 'pull', 4);

/** Downloads and stores a remote attachment (Mastodon's RedownloadMediaWorker, which retries 3 times). */
export const RedownloadMedia = job<{ mediaAttachmentId: string }>('RedownloadMediaWorker', 'pull', 4);
/** Downloads and stores a remote account's avatar (RedownloadAvatarWorker, which retries 7 times). */
export const RedownloadAvatar = job<{ accountId: string }>('RedownloadAvatarWorker', 'pull', 8);
/** Downloads and stores a remote account's header (RedownloadHeaderWorker). */
export const RedownloadHeader = job<{ accountId: string }>('RedownloadHeaderWorker', 'pull', 8);
/** Downloads and stores a remote custom emoji's image (what Mastodon does in Activity#process_emoji, in the job instead). */
export const RedownloadEmoji = job<{ customEmojiId: string }>('RedownloadEmojiWorker', 'pull', 4);

/** Starts a confirmed CSV import: overwrite's undoing, then a row job per row (BulkImportWorker; never retried, as Mastodon's). */
export const BulkImport = job<{ bulkImportId: string }>('BulkImportWorker', 'pull', 1);
/** Imports one row of a CSV import: resolves its account or status and follows, blocks, mutes, lists or bookmarks it (Import::RowWorker, retried 6 times). */
export const ImportRow = job<{ rowId: string }>('Import::RowWorker', 'pull', 7);
/** Builds a member's account archive (BackupWorker, retried 5 times). */
export const Backup = job<{ backupId: string }>('BackupWorker', 'pull', 6);
/** Tells a member their archive is ready to download (UserMailer#backup_ready). */
export const BackupReadyMail = job<{ backupId: string }>('UserMailer#backup_ready', 'mailers');
