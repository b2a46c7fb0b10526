import type { AppContext } from '../../context.ts';
import { streamAnnouncementReaction, streamPublishedAnnouncement, streamWithdrawnAnnouncement } from '../../services/instance/announcement-stream.ts';

/** PublishScheduledAnnouncementWorker: publishes a due scheduled announcement; streams a published one. */
export async function runPublishScheduledAnnouncement(ctx: AppContext, data: { announcementId: string }) {
  await streamPublishedAnnouncement(ctx, data.announcementId);
}

/** PublishAnnouncementReactionWorker: streams a reaction's new count. */
export async function runPublishAnnouncementReaction(ctx: AppContext, data: { announcementId: string; name: string }) {
  await streamAnnouncementReaction(ctx, data.announcementId, data.name);
}

/** UnpublishAnnouncementWorker: streams the removal of an unpublished or deleted announcement. */
export async function runUnpublishAnnouncement(ctx: AppContext, data: { announcementId: string }) {
  await streamWithdrawnAnnouncement(ctx, data.announcementId);
}
