import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { accounts, mediaAttachments, statuses } from '../../db/schema.ts';
import { DownloadRefused } from '../../lib/remote-file.ts';
import { isRowId } from '../../lib/ids.ts';
import { hostOf, rejectsMediaFrom } from '../moderation/instance-domain-blocks.ts';
import { cacheRemoteAttachment } from '../activitypub/remote-media-cache.ts';
import { PROXY_DOWNLOADED_TYPES } from '../../lib/media-types.ts';
import { visibleTo } from '../statuses/visibility.ts';

export type ProxyStyle = 'original' | 'small';

/** Downloads under way in this process, by attachment: a second request waits for the first (Mastodon's `media_download:<id>` lock). */
const downloading = new Map<string, Promise<unknown>>();

function downloadOnce(ctx: AppContext, id: string): Promise<unknown> {
  let running = downloading.get(id);
  if (!running) {
    running = cacheRemoteAttachment(ctx, id).finally(() => downloading.delete(id));
    downloading.set(id, running);
  }
  return running;
}

async function findProxied(ctx: AppContext, id: string, viewerId: string | null) {
  const [found] = await ctx.db
    .select({ media: mediaAttachments, domain: accounts.domain })
    .from(mediaAttachments)
    .innerJoin(statuses, eq(statuses.id, mediaAttachments.statusId))
    .leftJoin(accounts, eq(accounts.id, mediaAttachments.accountId))
    .where(and(eq(mediaAttachments.id, id), sql`${mediaAttachments.remoteUrl} <> ''`, visibleTo(viewerId)))
    .limit(1);
  return found;
}

/**
 * Where `GET /media_proxy/:id/:style` sends a client (Mastodon's MediaProxyController): a remote
 * attachment of a status the viewer may see, downloaded now when it has no stored copy, is at its
 * stored file. Undefined (a 404) for an unknown id, a local upload, a status the viewer may not see,
 * media from a domain whose media are rejected, or a file that cannot be had. A type this instance
 * it does not download while a client waits (video, audio: the pull queue caches them) is sent to its origin. Throws DownloadFailed when its server
 * did not answer this time.
 */
export async function mediaProxyLocation(ctx: AppContext, id: string, style: ProxyStyle, viewerId: string | null): Promise<string | undefined> {
  if (!isRowId(id)) return undefined;
  let found = await findProxied(ctx, id, viewerId);
  if (!found) return undefined;
  if (!found.media.fileKey) {
    const { media } = found;
    if ((await rejectsMediaFrom(ctx, found.domain)) || (await rejectsMediaFrom(ctx, hostOf(media.remoteUrl)))) return undefined;
    if (!PROXY_DOWNLOADED_TYPES.has(media.type)) return style === 'original' && media.type !== 'unknown' ? media.remoteUrl : undefined;
    try {
      await downloadOnce(ctx, id);
    } catch (error) {
      if (error instanceof DownloadRefused) return undefined;
      throw error;
    }
    found = await findProxied(ctx, id, viewerId);
    if (!found) return undefined;
  }
  const key = style === 'small' ? found.media.smallFileKey : found.media.fileKey;
  return key ? ctx.storage.url(key) : undefined;
}
