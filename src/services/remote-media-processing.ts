import type { MediaAttachmentRow } from '../serializers/media-attachment.ts';
import { MEDIA_LIMITS } from './instance.ts';
import { audioVisualContainer } from './media/sniff.ts';
import { processImage, styleMeta } from './media-processing.ts';

type MediaType = MediaAttachmentRow['type'];

/** One stored style of a processed remote file. */
export interface ProcessedStyle {
  bytes: Buffer;
  width: number;
  height: number;
}

/** A remote file made into what this instance stores, as an upload would be. */
export interface ProcessedRemoteMedia {
  type: 'image' | 'gifv' | 'video' | 'audio';
  contentType: string;
  extension: string;
  original: ProcessedStyle;
  /** the preview (none for audio) */
  small: ProcessedStyle | null;
  blurhash: string | null;
  /** Mastodon's `meta` of the file (`original`, `small`, and for video and audio their length and rate) */
  meta: Record<string, unknown>;
}

export { CACHEABLE_TYPES } from '../lib/media-types.ts';

/** How much of a remote attachment is read at most: Mastodon's limit for its type (an image 16 MB, the rest 99 MB). */
export function downloadLimitFor(type: MediaType): number {
  return type === 'image' ? MEDIA_LIMITS.image_size_limit : MEDIA_LIMITS.video_size_limit;
}

async function processRemoteImage(bytes: Buffer, blurhash: boolean): Promise<ProcessedRemoteMedia | undefined> {
  // the upload pipeline: upright, bounded, every metadata block (EXIF, GPS) dropped; animated GIFs are refused (gifv is to come)
  const image = await processImage(bytes, { blurhash }).catch(() => undefined);
  if (!image) return undefined;
  return {
    type: 'image',
    contentType: image.contentType,
    extension: image.extension,
    original: image.original,
    small: image.small,
    blurhash: image.blurhash,
    meta: { original: styleMeta(image.original.width, image.original.height), small: styleMeta(image.small.width, image.small.height) },
  };
}

/**
 * The one place a downloaded remote attachment is processed, by what its bytes are (never what its
 * server called it), as Mastodon's Paperclip processors do. Undefined when this instance cannot
 * store it (a type it does not take, a broken file, one over the limits): it stays a reference.
 * Video, gifv and audio processing plugs in here (and their types in CACHEABLE_TYPES). A blurhash
 * is computed only when `blurhash` is true (the author's server sent none): encoding one is slow.
 */
export async function processRemoteMedia(bytes: Buffer, options: { blurhash: boolean }): Promise<ProcessedRemoteMedia | undefined> {
  // video, audio and animated GIFs (what uploads send to ffmpeg) are not processed here yet; anything
  // else is read as an image by sharp, which refuses what is none
  if (audioVisualContainer(bytes)) return undefined;
  return processRemoteImage(bytes, options.blurhash);
}
