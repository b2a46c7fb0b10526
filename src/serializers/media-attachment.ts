import { PROXY_DOWNLOADED_TYPES } from '../lib/media-types.ts';
import { mediaProxyUrl, type MediaUrls } from './media-urls.ts';

import type { MediaAttachmentRow } from '../db/schema.ts';
export type { MediaAttachmentRow };

/**
 * Mastodon's MediaAttachment entity (REST::MediaAttachmentSerializer). A stored file (a local
 * upload, or a remote attachment's cached copy) is served from storage: `url` the original (none
 * while a video or audio is still being processed, as Mastodon shows it), `preview_url` its
 * thumbnail when it has one, else the small preview. A remote attachment keeps its origin in
 * `remote_url`; while it has no stored copy (not downloaded yet, refused, purged, or from a domain
 * whose media are rejected) it points at Mastodon's media proxy, which fetches it on demand and
 * redirects to the stored file (`preview_url` only for types that get a preview here).
 */
export function renderMediaAttachment(row: MediaAttachmentRow, ctx: MediaUrls) {
  const remote = row.remoteUrl || null;
  let url: string | null = null;
  let preview: string | null = null;
  if (row.fileKey) {
    const processed = row.processing === 'complete';
    url = processed ? ctx.storage.url(row.fileKey) : null;
    const previewKey = row.thumbnailFileKey ?? (processed ? row.smallFileKey : null);
    preview = previewKey ? ctx.storage.url(previewKey) : null;
  } else if (remote) {
    url = mediaProxyUrl(ctx.config, row.id, 'original');
    preview = PROXY_DOWNLOADED_TYPES.has(row.type) ? mediaProxyUrl(ctx.config, row.id, 'small') : null;
  }
  return {
    id: row.id,
    type: row.type,
    url,
    preview_url: preview,
    remote_url: remote,
    preview_remote_url: null,
    text_url: null,
    meta: row.meta ?? null,
    description: row.description ?? null,
    blurhash: row.blurhash ?? null,
  };
}

export type RenderedMediaAttachment = ReturnType<typeof renderMediaAttachment>;
