import type { AppContext } from '../context.ts';
import type { RemoteMedia } from '../services/activitypub/create-remote-status.ts';
import { rejectsMediaFrom } from '../services/moderation/instance-domain-blocks.ts';
import type { AccountRow } from '../services/oauth/authenticate-token.ts';
import type { InboundAttachment } from './inbound-status.ts';

/** Mastodon's `meta` for an attachment not downloaded: the dimensions the author's server gave, and the focal point. */
function metaOf(attachment: InboundAttachment): Record<string, unknown> | null {
  const meta: Record<string, unknown> = {};
  const { width, height } = attachment;
  if (width && height && (attachment.type === 'image' || attachment.type === 'video' || attachment.type === 'gifv')) {
    meta.original = { width, height, size: `${width}x${height}`, aspect: width / height };
  }
  if (attachment.focus) meta.focus = attachment.focus;
  return Object.keys(meta).length ? meta : null;
}

/**
 * A remote status's attachments as stored, in order, with their origin as `remote_url` (their files
 * are downloaded afterwards, in `pull`: services/remote-media-cache.ts). From a domain whose media
 * this instance rejects (an instance domain block with reject_media) they are kept as Mastodon
 * keeps them, as `unknown` attachments that are never downloaded nor shown inline, only linked; its
 * custom emoji are not stored either (Create#skip_download?).
 */
export async function remoteMediaOf(ctx: AppContext, author: AccountRow, attachments: InboundAttachment[]): Promise<{ media: RemoteMedia[]; rejectMedia: boolean }> {
  const rejectMedia = await rejectsMediaFrom(ctx, author.domain);
  const media = attachments.map((attachment) => ({
    type: rejectMedia ? ('unknown' as const) : attachment.type,
    remoteUrl: attachment.url,
    contentType: attachment.mediaType?.slice(0, 255) ?? null,
    description: attachment.description,
    blurhash: rejectMedia ? null : attachment.blurhash,
    meta: rejectMedia ? null : metaOf(attachment),
  }));
  return { media, rejectMedia };
}
