import type { MediaAttachmentRow } from '../db/schema.ts';

type MediaType = MediaAttachmentRow['type'];

/** The attachment types whose remote files this instance downloads, processes and stores (everything but `unknown`). */
export const CACHEABLE_TYPES: ReadonlySet<MediaType> = new Set<MediaType>(['image', 'gifv', 'video', 'audio']);

/**
 * The types the media proxy downloads while a client waits (and gives a `small` preview for before
 * they are cached): images. A video or audio file may take minutes to transcode; until the `pull`
 * queue has cached it, the proxy sends clients to its origin.
 */
export const PROXY_DOWNLOADED_TYPES: ReadonlySet<MediaType> = new Set<MediaType>(['image']);
