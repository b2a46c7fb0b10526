import type { Job } from '../backends/queue/index.ts';
import type { AppContext } from '../context.ts';
import { ConfirmationMail, OauthCleanup, type JobDefinition } from './definitions.ts';
import { sendConfirmationMail } from './mailers/confirmation-mail.ts';
import { cleanUpOauthGrants } from './scheduler/oauth-cleanup.ts';
import { notifyPollExpiration } from './default/poll-expiration-notify.ts';
import { publishScheduledStatus } from './default/publish-scheduled-status.ts';
import { scheduleDueStatuses } from './scheduler/scheduled-statuses-scheduler.ts';
import { runDistribution, runFeedMerge, runFeedRemoval, runFeedUnmerge } from './default/distribution.ts';
import { runRegeneration } from './default/regeneration.ts';
import { RegenerateHome } from './definitions.ts';
import { Distribution, FeedMerge, FeedRemoval, FeedUnmerge } from './definitions.ts';
import { PendingDistributionsScheduler, PollExpirationNotify, PublishScheduledStatus, ScheduledStatusesScheduler } from './definitions.ts';
import { redistributePending } from './scheduler/pending-distributions-scheduler.ts';
import { DeferredJobsScheduler } from './definitions.ts';
import { enqueueDeferred } from './scheduler/deferred-jobs-scheduler.ts';
import { PublishAnnouncementReaction, PublishScheduledAnnouncement, UnpublishAnnouncement } from './definitions.ts';
import { runPublishAnnouncementReaction, runPublishScheduledAnnouncement, runUnpublishAnnouncement } from './default/announcements.ts';
import { ActivityPubDelivery, ActivityPubFanout, ActivityPubProcessing } from './definitions.ts';
import { runFederationTask } from '../federation/federation.ts';
import { DeliverRelationship, RefreshRemoteAccount } from './definitions.ts';
import { deliverRelationshipActivity } from '../federation/relationship-activities.ts';
import { refreshRemoteAccount } from '../federation/resolve-account.ts';
import { DistributeActorUpdate } from './definitions.ts';
import { deliverActorUpdate } from '../federation/actor-update-delivery.ts';
import { DeliverInteraction, DeliverStatus } from './definitions.ts';
import { deliverStatusActivity } from '../federation/deliver-status.ts';
import { deliverInteractionActivity } from '../federation/deliver-interaction.ts';
import { deliverNewStatus } from '../services/activitypub/status-deliveries.ts';
import { DeliverFlag } from './definitions.ts';
import { deliverFlag } from '../federation/deliver-flag.ts';
import { DeliverFeatured } from './definitions.ts';
import { deliverFeaturedActivity } from '../federation/deliver-featured.ts';
import { DistributeMove, MoveFollowers, UnfollowFollow } from './definitions.ts';
import { deliverMove } from '../federation/deliver-move.ts';
import { runMoveFollowers, runUnfollowFollow } from '../services/accounts/move-account.ts';
import { FetchReplies, FetchReply, ThreadResolve } from './definitions.ts';
import { runFetchReplies, runFetchReply, runThreadResolve } from '../federation/fetch-replies.ts';
import { TrendsRefreshScheduler } from './definitions.ts';
import { refreshTrends } from './scheduler/trends-refresh-scheduler.ts';
import { registerStatusLink } from '../services/trends/links.ts';
import { LinkCrawl } from './definitions.ts';
import { runLinkCrawl } from '../federation/link-crawl.ts';
import { PostProcessMedia } from './definitions.ts';
import { postProcessMedia } from '../services/media/audio-visual-uploads.ts';
import { DomainClearMedia, VacuumScheduler } from './definitions.ts';
import { clearBlockedDomainMedia } from '../services/moderation/clear-domain-media.ts';
import { runVacuum } from './scheduler/vacuum-scheduler.ts';
import { RedownloadAvatar, RedownloadEmoji, RedownloadHeader, RedownloadMedia } from './definitions.ts';
import { runRedownloadAvatar, runRedownloadEmoji, runRedownloadHeader, runRedownloadMedia } from './pull/redownload.ts';

type Handler = (ctx: AppContext, data: never, job: Job) => Promise<void>;

const handlers = new Map<string, Handler>();
/** A handler gets the job's data, and the job itself (which try this is) when it cares. */
function on<T>(job: JobDefinition<T>, handler: (ctx: AppContext, data: T, job: Job) => Promise<void>) {
  handlers.set(job.name, handler as Handler);
}

on(ConfirmationMail, sendConfirmationMail);
on(OauthCleanup, cleanUpOauthGrants);
on(PublishScheduledStatus, publishScheduledStatus);
on(PollExpirationNotify, notifyPollExpiration);
on(ScheduledStatusesScheduler, scheduleDueStatuses);
// a new local status's Create is queued first: its Distribution job is what makes it durable (status-deliveries.ts)
on(Distribution, async (ctx, data) => {
  if (!data.update) await deliverNewStatus(ctx, data.statusId);
  await runDistribution(ctx, data);
  // a boost shares its original's card for link trends (Trends.register!); an original shares its own when LinkCrawlWorker attaches it
  await registerStatusLink(ctx, data.statusId).catch((error: unknown) => ctx.log.warn({ err: error, statusId: data.statusId }, 'could not register the status link for trends'));
});
on(PendingDistributionsScheduler, redistributePending);
on(TrendsRefreshScheduler, refreshTrends);
on(DeferredJobsScheduler, enqueueDeferred);
on(VacuumScheduler, runVacuum);
on(DomainClearMedia, (ctx, data) => clearBlockedDomainMedia(ctx, data.domainBlockId));
on(FeedRemoval, runFeedRemoval);
on(RegenerateHome, runRegeneration);
on(FeedMerge, runFeedMerge);
on(FeedUnmerge, runFeedUnmerge);
on(PublishScheduledAnnouncement, runPublishScheduledAnnouncement);
on(PublishAnnouncementReaction, runPublishAnnouncementReaction);
on(UnpublishAnnouncement, runUnpublishAnnouncement);
on(ActivityPubProcessing, runFederationTask);
on(ActivityPubDelivery, runFederationTask);
on(ActivityPubFanout, runFederationTask);
on(DeliverRelationship, deliverRelationshipActivity);
on(RefreshRemoteAccount, refreshRemoteAccount);
on(DistributeActorUpdate, deliverActorUpdate);
on(DeliverStatus, deliverStatusActivity);
on(DeliverInteraction, deliverInteractionActivity);
on(DeliverFlag, deliverFlag);
on(DeliverFeatured, deliverFeaturedActivity);
on(DistributeMove, deliverMove);
on(MoveFollowers, runMoveFollowers);
on(UnfollowFollow, runUnfollowFollow);
on(ThreadResolve, runThreadResolve);
on(FetchReplies, runFetchReplies);
on(FetchReply, runFetchReply);
on(LinkCrawl, runLinkCrawl);
on(PostProcessMedia, (ctx, data, job) => postProcessMedia(ctx, data.mediaAttachmentId, { lastAttempt: job.attempt >= (PostProcessMedia.attempts ?? 1) }));
on(RedownloadMedia, runRedownloadMedia);
on(RedownloadAvatar, runRedownloadAvatar);
on(RedownloadHeader, runRedownloadHeader);
on(RedownloadEmoji, runRedownloadEmoji);

/** Runs a job by name; an unknown name fails the job so it ends in the dead set instead of vanishing. */
export function jobRunner(ctx: AppContext) {
  return async (job: Job) => {
    const handler = handlers.get(job.name);
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    await handler(ctx, job.data as never, job);
  };
}
