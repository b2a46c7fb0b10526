import type { Storage } from '../backends/storage/index.ts';
import { sanitizeEmbedHtml } from '../lib/embed-html.ts';

import type { PreviewCardRow } from '../db/schema.ts';
export type { PreviewCardRow };

/**
 * Mastodon's PreviewCard entity (REST::PreviewCardSerializer): `url` is the link as the status wrote
 * it when shown on a status (the card's own, after redirects, in trends), the embed HTML sanitized
 * again, the image served from storage.
 */
export function renderPreviewCard(card: PreviewCardRow, storage: Pick<Storage, 'url'>, originalUrl?: string | null) {
  return {
    url: originalUrl || card.url,
    title: card.title,
    description: card.description,
    language: card.language,
    type: card.type,
    author_name: card.authorName,
    author_url: card.authorUrl,
    provider_name: card.providerName,
    provider_url: card.providerUrl,
    html: sanitizeEmbedHtml(card.html),
    width: card.width,
    height: card.height,
    image: card.imageFileKey ? storage.url(card.imageFileKey) : null,
    image_description: card.imageDescription,
    embed_url: card.embedUrl,
    blurhash: card.blurhash,
    published_at: card.publishedAt?.toISOString() ?? null,
    authors: [{ name: card.authorName, url: card.authorUrl, account: null }],
  };
}

export type RenderedPreviewCard = ReturnType<typeof renderPreviewCard>;
