import type { Job } from '../backends/queue/index.ts';
import type { AppContext } from '../context.ts';
import { lazy } from '../lib/lazy.ts';
import * as jobs from './definitions.ts';
import type { JobDefinition } from './definitions.ts';

type Handler = (ctx: AppContext, data: never, job: Job) => Promise<void>;

/**
 * Each handler's module is imported when a job of its name first runs, not when the worker starts:
 * an idle worker (or one serving only some queues) loads neither federation nor media code.
 */
const loaders = new Map<string, () => Promise<Handler>>();
/** A handler gets the job's data, and the job itself (which try this is) when it cares. */
function on<T>(job: JobDefinition<T>, load: () => Promise<(ctx: AppContext, data: T, job: Job) => Promise<void>>) {
  loaders.set(job.name, lazy(load) as () => Promise<Handler>);
}

on(jobs.ConfirmationMail, async () => (await import('./mailers/confirmation-mail.ts')).sendConfirmationMail);
on(jobs.PasswordResetMail, async () => (await import('./mailers/password-reset-mail.ts')).sendPasswordResetMail);
on(jobs.WarningMail, async () => (await import('./mailers/warning-mail.ts')).sendWarningMail);
on(jobs.NotificationMail, async () => (await import('./mailers/notification-mail.ts')).sendNotificationMail);
on(jobs.NewReportMail, async () => (await import('./mailers/admin-mails.ts')).sendNewReportMail);
on(jobs.PendingAccountMail, async () => (await import('./mailers/admin-mails.ts')).sendPendingAccountMail);
on(jobs.SuspiciousSignInMail, async () => (await import('./mailers/account-security-mails.ts')).sendSuspiciousSignInMail);
on(jobs.EmailChangedMail, async () => (await import('./mailers/account-security-mails.ts')).sendEmailChangedMail);
on(jobs.TwoFactorMail, async () => (await import('./mailers/two-factor-mail.ts')).sendTwoFactorMail);
on(jobs.AppealMail, async () => (await import('./mailers/appeal-mail.ts')).sendAppealMail);
on(jobs.OauthCleanup, async () => (await import('./scheduler/oauth-cleanup.ts')).cleanUpOauthGrants);
on(jobs.PublishScheduledStatus, async () => (await import('./default/publish-scheduled-status.ts')).publishScheduledStatus);
on(jobs.PollExpirationNotify, async () => (await import('./default/poll-expiration-notify.ts')).notifyPollExpiration);
on(jobs.ScheduledStatusesScheduler, async () => (await import('./scheduler/scheduled-statuses-scheduler.ts')).scheduleDueStatuses);
on(jobs.Distribution, async () => {
  const [{ deliverNewStatus }, { runDistribution }, { registerStatusLink }, { loadDistributionFacts }] = await Promise.all([
    import('../services/activitypub/status-deliveries.ts'),
    import('./default/distribution.ts'),
    import('../services/trends/links.ts'),
    import('../services/feeds/distribution-facts.ts'),
  ]);
  // a new local status's Create is queued first: its Distribution job is what makes it durable (status-deliveries.ts)
  return async (ctx, data) => {
    // the status, its author, tags, mentions and pending row, read once for all the steps below
    const facts = await loadDistributionFacts(ctx, data.statusId);
    if (!data.update) await deliverNewStatus(ctx, data.statusId, facts && { pending: facts.pending, local: facts.row.local });
    await runDistribution(ctx, data, facts);
    // a boost shares its original's card for link trends (Trends.register!); an original shares its own when LinkCrawlWorker
    // attaches it (fetch-link-card.ts), and again after an edit, which may have taken its content warning off
    if (!facts || facts.reblogOfId || data.update) {
      await registerStatusLink(ctx, data.statusId).catch((error: unknown) => ctx.log.warn({ err: error, statusId: data.statusId }, 'could not register the status link for trends'));
    }
  };
});
on(jobs.PendingDistributionsScheduler, async () => (await import('./scheduler/pending-distributions-scheduler.ts')).redistributePending);
on(jobs.TrendsRefreshScheduler, async () => (await import('./scheduler/trends-refresh-scheduler.ts')).refreshTrends);
on(jobs.DeferredJobsScheduler, async () => (await import('./scheduler/deferred-jobs-scheduler.ts')).enqueueDeferred);
on(jobs.VacuumScheduler, async () => (await import('./scheduler/vacuum-scheduler.ts')).runVacuum);
on(jobs.BackupScheduler, async () => (await import('./scheduler/backup-scheduler.ts')).runScheduledBackup);
on(jobs.IpCleanupScheduler, async () => (await import('./scheduler/ip-cleanup-scheduler.ts')).runIpCleanup);
on(jobs.UserCleanupScheduler, async () => {
  const { removeDiscardedStatuses, removeUnconfirmedUsers } = await import('../services/maintenance/user-cleanup.ts');
  return async (ctx) => {
    await removeUnconfirmedUsers(ctx);
    await removeDiscardedStatuses(ctx);
  };
});
on(jobs.NotificationsCleanupScheduler, async () => {
  const { cleanUpOldNotifications } = await import('../services/maintenance/notifications-cleanup.ts');
  return async (ctx) => void (await cleanUpOldNotifications(ctx));
});
on(jobs.SuspendedUserCleanupScheduler, async () => {
  const { queueExpiredSuspensions } = await import('../services/moderation/suspend-account.ts');
  return async (ctx) => void (await queueExpiredSuspensions(ctx));
});
on(jobs.PurgeSuspendedAccount, async () => (await import('./pull/purge-suspended-account.ts')).purgeSuspendedAccount);
on(jobs.DomainClearMedia, async () => {
  const { clearBlockedDomainMedia } = await import('../services/moderation/clear-domain-media.ts');
  return (ctx, data) => clearBlockedDomainMedia(ctx, data.domainBlockId);
});
on(jobs.FeedRemoval, async () => (await import('./default/distribution.ts')).runFeedRemoval);
on(jobs.RegenerateHome, async () => (await import('./default/regeneration.ts')).runRegeneration);
on(jobs.FeedMerge, async () => (await import('./default/distribution.ts')).runFeedMerge);
on(jobs.FeedUnmerge, async () => (await import('./default/distribution.ts')).runFeedUnmerge);
on(jobs.PublishScheduledAnnouncement, async () => (await import('./default/announcements.ts')).runPublishScheduledAnnouncement);
on(jobs.PublishAnnouncementReaction, async () => (await import('./default/announcements.ts')).runPublishAnnouncementReaction);
on(jobs.UnpublishAnnouncement, async () => (await import('./default/announcements.ts')).runUnpublishAnnouncement);
on(jobs.TriggerWebhook, async () => (await import('../services/webhooks/deliver-webhook.ts')).fanOutWebhookEvent);
on(jobs.WebhookDelivery, async () => (await import('../services/webhooks/deliver-webhook.ts')).deliverWebhook);
on(jobs.ActivityPubProcessing, async () => (await import('../federation/federation.ts')).runFederationTask);
on(jobs.ActivityPubDelivery, async () => (await import('../federation/federation.ts')).runFederationTask);
on(jobs.ActivityPubFanout, async () => (await import('../federation/federation.ts')).runFederationTask);
on(jobs.DeliverRelationship, async () => (await import('../federation/relationship-activities.ts')).deliverRelationshipActivity);
on(jobs.RefreshRemoteAccount, async () => (await import('../federation/resolve-account.ts')).refreshRemoteAccount);
on(jobs.DistributeActorUpdate, async () => (await import('../federation/actor-update-delivery.ts')).deliverActorUpdate);
on(jobs.DeliverStatus, async () => (await import('../federation/deliver-status.ts')).deliverStatusActivity);
on(jobs.DeliverInteraction, async () => (await import('../federation/deliver-interaction.ts')).deliverInteractionActivity);
on(jobs.DeliverFlag, async () => (await import('../federation/deliver-flag.ts')).deliverFlag);
on(jobs.DeliverFeatured, async () => (await import('../federation/deliver-featured.ts')).deliverFeaturedActivity);
on(jobs.DistributeMove, async () => (await import('../federation/deliver-move.ts')).deliverMove);
on(jobs.MoveFollowers, async () => (await import('../services/accounts/move-account.ts')).runMoveFollowers);
on(jobs.UnfollowFollow, async () => (await import('../services/accounts/move-account.ts')).runUnfollowFollow);
on(jobs.ThreadResolve, async () => (await import('../federation/fetch-replies.ts')).runThreadResolve);
on(jobs.FetchReplies, async () => (await import('../federation/fetch-replies.ts')).runFetchReplies);
on(jobs.FetchReply, async () => (await import('../federation/fetch-replies.ts')).runFetchReply);
on(jobs.LinkCrawl, async () => (await import('../federation/link-crawl.ts')).runLinkCrawl);
on(jobs.PostProcessMedia, async () => {
  const { postProcessMedia } = await import('../services/media/audio-visual-uploads.ts');
  return (ctx, data, job) => postProcessMedia(ctx, data.mediaAttachmentId, { lastAttempt: job.attempt >= (jobs.PostProcessMedia.attempts ?? 1) });
});
on(jobs.WebPushNotification, async () => (await import('../services/notifications/web-push-delivery.ts')).deliverWebPush);
on(jobs.RedownloadMedia, async () => (await import('./pull/redownload.ts')).runRedownloadMedia);
on(jobs.RedownloadAvatar, async () => (await import('./pull/redownload.ts')).runRedownloadAvatar);
on(jobs.RedownloadHeader, async () => (await import('./pull/redownload.ts')).runRedownloadHeader);
on(jobs.RedownloadEmoji, async () => (await import('./pull/redownload.ts')).runRedownloadEmoji);
on(jobs.BulkImport, async () => (await import('./pull/bulk-import.ts')).runBulkImportJob);
on(jobs.ImportRow, async () => (await import('./pull/bulk-import.ts')).runImportRowJob);
on(jobs.Backup, async () => (await import('./pull/backup.ts')).runBackupJob);
on(jobs.BackupReadyMail, async () => (await import('./mailers/backup-ready-mail.ts')).sendBackupReadyMail);

/** Runs a job by name; an unknown name fails the job so it ends in the dead set instead of vanishing. */
export function jobRunner(ctx: AppContext) {
  return async (job: Job) => {
    const load = loaders.get(job.name);
    if (!load) throw new Error(`no handler for job ${job.name}`);
    const handler = await load();
    await handler(ctx, job.data as never, job);
  };
}
