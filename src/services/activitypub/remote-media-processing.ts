import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/index.ts';
import { ApiError } from '../../lib/errors.ts';
import type { MediaAttachmentRow } from '../../serializers/media-attachment.ts';
import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { audioVisualSource, type AudioVisualSource } from '../media/audio-visual-uploads.ts';
import { checkAudioVisual, processAudioVisual } from '../media/audio-visual.ts';
import { ToolTimedOut, withTranscodeSlot } from '../media/ffmpeg.ts';
import { probeMedia } from '../media/probe.ts';
import { withTempDir } from '../media/temp-dir.ts';
import { prepareThumbnail, type Thumbnail } from '../media/thumbnails.ts';
import { processImage, styleMeta } from '../media/media-processing.ts';

type MediaType = MediaAttachmentRow['type'];

/** One stored style of a processed remote file. */
export interface ProcessedStyle {
  bytes: Buffer;
  contentType: string;
  extension: string;
}

/** A remote file made into what this instance stores, as an upload would be. */
export interface ProcessedRemoteMedia {
  type: 'image' | 'gifv' | 'video' | 'audio';
  original: ProcessedStyle;
  /** the preview (none for audio) */
  small: ProcessedStyle | null;
  blurhash: string | null;
  /** Mastodon's `meta` of the file (`original`, `small`, and for video and audio their length and rate) */
  meta: Record<string, unknown>;
  /** an audio file's embedded cover, made a thumbnail as an upload's is (its `small` size and blurhash become the attachment's) */
  thumbnail?: Thumbnail;
}

/**
 * How much of a remote attachment is read at most: Mastodon's limit for its type (an image 16 MB, the
 * rest 99 MB). What the file is is decided from its bytes afterwards, and held to that type's limit.
 */
export function downloadLimitFor(type: MediaType): number {
  return type === 'image' ? MEDIA_LIMITS.image_size_limit : MEDIA_LIMITS.video_size_limit;
}

async function processRemoteImage(bytes: Buffer, blurhash: boolean): Promise<ProcessedRemoteMedia | undefined> {
  if (bytes.length > MEDIA_LIMITS.image_size_limit) return undefined;
  // the upload pipeline: upright, bounded, every metadata block (EXIF, GPS) dropped
  const image = await processImage(bytes, { blurhash }).catch(() => undefined);
  if (!image) return undefined;
  const style = (bytes: Buffer) => ({ bytes, contentType: image.contentType, extension: image.extension });
  return {
    type: 'image',
    original: style(image.original.bytes),
    small: style(image.small.bytes),
    blurhash: image.blurhash,
    meta: { original: styleMeta(image.original.width, image.original.height), small: styleMeta(image.small.width, image.small.height) },
  };
}

/**
 * A remote video, gifv (an animated GIF too) or audio file through the upload pipeline: probed and
 * checked against the instance's limits, an H.264/AAC MP4 (copied when it already is one) with the
 * PNG of its first frame, or an MP3; `meta` with duration and frame rate. Undefined when ffmpeg
 * refuses it. Unless the caller holds one of the process's transcode slots (`slotHeld`), one is waited for.
 */
async function processRemoteAudioVisual(config: Config, bytes: Buffer, source: AudioVisualSource, slotHeld: boolean): Promise<ProcessedRemoteMedia | undefined> {
  const animatedGif = source.demuxer === 'gif';
  if (animatedGif && bytes.length > MEDIA_LIMITS.image_size_limit) return undefined;
  try {
    return await withTempDir(async (dir) => {
      const input = { path: join(dir, `remote.${source.extension}`), ...source };
      await writeFile(input.path, bytes);
      const probe = await probeMedia(config, input.path, input.demuxer);
      checkAudioVisual(probe, animatedGif);
      const processed = slotHeld ? await processAudioVisual(config, input, probe, dir) : await withTranscodeSlot(config, () => processAudioVisual(config, input, probe, dir));
      const original = await readFile(processed.original.path);
      // a cover that is no usable image is left out, as for an upload
      const thumbnail = processed.cover ? await prepareThumbnail(processed.cover).catch(() => undefined) : undefined;
      return {
        type: processed.type,
        original: { bytes: original, contentType: processed.contentType, extension: processed.extension },
        small: processed.small ? { bytes: processed.small.bytes, contentType: 'image/png', extension: 'png' } : null,
        blurhash: processed.blurhash,
        meta: { original: processed.originalMeta, ...(processed.small ? { small: processed.small.meta } : {}) },
        thumbnail,
      };
    });
  } catch (error) {
    // the file's fault (ffprobe or ffmpeg refused it, over the limits): it stays a reference; a tool out of time may have been starved, and anything else (ffmpeg missing, a full disk) may pass: the job tries again
    if (error instanceof ApiError && !(error.cause instanceof ToolTimedOut)) return undefined;
    throw error;
  }
}

/**
 * The one place a downloaded remote attachment is processed, by what its bytes are (never what its
 * server called it), as Mastodon's Paperclip processors do: video, audio and animated GIFs by
 * ffmpeg, anything else read as an image by sharp, which refuses what is none. Undefined when this
 * instance cannot store it (a type it does not take, a broken file, one over the limits): it stays
 * a reference. An image's blurhash is computed only when `blurhash` is true (the author's server
 * sent none): encoding one is slow.
 */
export async function processRemoteMedia(config: Config, bytes: Buffer, options: { blurhash: boolean; slotHeld?: boolean }): Promise<ProcessedRemoteMedia | undefined> {
  const source = audioVisualSource(bytes);
  if (source) return processRemoteAudioVisual(config, bytes, source, options.slotHeld ?? false);
  return processRemoteImage(bytes, options.blurhash);
}
