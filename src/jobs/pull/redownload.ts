import type { AppContext } from '../../context.ts';
import { DownloadRefused } from '../../lib/remote-file.ts';
import { cacheRemoteAccountImage } from '../../services/activitypub/remote-account-images.ts';
import { cacheRemoteEmoji } from '../../services/activitypub/remote-emoji-cache.ts';
import { transcodeSlotWait } from '../../services/media/audio-visual-uploads.ts';
import { cacheRemoteAttachment } from '../../services/activitypub/remote-media-cache.ts';
import { RedownloadMedia } from '../definitions.ts';
import { enqueue } from '../enqueue.ts';

/**
 * A download job's outcome as Mastodon's Redownload*Worker has it: a file that will never be had
 * (refused, not media, too large, a 404) ends the job; a failure that may pass (a timeout, a 5xx)
 * fails it, to be tried again with the queue's backoff.
 */
async function giveUpWhenRefused(ctx: AppContext, what: Record<string, string>, download: () => Promise<unknown>): Promise<void> {
  try {
    await download();
  } catch (error) {
    if (!(error instanceof DownloadRefused)) throw error;
    ctx.log.info({ ...what, reason: error.message }, 'a remote file was not stored');
  }
}

/**
 * A video or audio file waits for a transcode slot of this process at most as long as a v2 upload's
 * job does, then goes back to the queue for a moment (any worker process may take it), rather than
 * holding a pull thread that avatars, emoji and cards are waiting for.
 */
export const runRedownloadMedia = (ctx: AppContext, data: { mediaAttachmentId: string }) =>
  giveUpWhenRefused(ctx, data, async () => {
    const result = await cacheRemoteAttachment(ctx, data.mediaAttachmentId, { slotWaitMs: transcodeSlotWait.waitMs });
    if (!result.cached && result.reason === 'busy') await enqueue(ctx, RedownloadMedia, data, { delayMs: transcodeSlotWait.retryDelayMs });
  });

export const runRedownloadAvatar = (ctx: AppContext, data: { accountId: string }) => giveUpWhenRefused(ctx, { ...data, image: 'avatar' }, () => cacheRemoteAccountImage(ctx, data.accountId, 'avatar'));

export const runRedownloadHeader = (ctx: AppContext, data: { accountId: string }) => giveUpWhenRefused(ctx, { ...data, image: 'header' }, () => cacheRemoteAccountImage(ctx, data.accountId, 'header'));

export const runRedownloadEmoji = (ctx: AppContext, data: { customEmojiId: string }) => giveUpWhenRefused(ctx, data, () => cacheRemoteEmoji(ctx, data.customEmojiId));
