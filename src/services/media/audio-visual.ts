import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/index.ts';
import { ApiError } from '../../lib/errors.ts';
import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { loadSharp } from './load-sharp.ts';
import { blurhashOf, invalidType, styleMeta, type StyleMeta } from './media-processing.ts';
import { ToolFailed } from './ffmpeg.ts';
import { probeMedia, type MediaProbe } from './probe.ts';
import { eligibleForPassthrough, extractCover, extractFrame, remuxVideo, transcodeAudio, transcodeVideo, type MediaInput } from './transcode.ts';

/**
 * Video, animated GIFs and audio, as Mastodon's MediaAttachment processes them: checked against the
 * instance's limits by ffprobe (check_video_dimensions), then an MP4 (H.264/AAC, copied when it
 * already is one) with a PNG preview of its first frame, or an MP3; a video without sound becomes a
 * `gifv`, as Paperclip::Transcoder makes it.
 */

export type AudioVisualType = 'video' | 'gifv' | 'audio';

export interface ProcessedAudioVisual {
  type: AudioVisualType;
  contentType: 'video/mp4' | 'audio/mpeg';
  extension: 'mp4' | 'mp3';
  /** the processed file, in the working directory */
  original: { path: string; size: number };
  /** a video's first frame (PNG) */
  small?: { bytes: Buffer; meta: StyleMeta };
  /** an audio file's cover picture (PNG), to become its thumbnail */
  cover?: Buffer;
  /** Mastodon's `meta.original`: width, height, frame_rate, duration, bitrate (duration and bitrate for audio) */
  originalMeta: Record<string, unknown>;
  blurhash: string | null;
}

/** Mastodon's answer when ffmpeg could not make the styles of an upload it took (Api::V1::MediaController#processing_error). */
export const processingFailed = (cause?: unknown) => Object.assign(new ApiError(422, 'Error processing thumbnail for uploaded media'), { cause });

/** Mastodon's check_video_dimensions, on the upload as it came: 422s with Mastodon's messages. */
export function checkAudioVisual(probe: MediaProbe | undefined, animatedGif: boolean): asserts probe is MediaProbe {
  if (!probe || (!probe.video && !probe.audio)) throw invalidType();
  const video = probe.video;
  if (animatedGif && !video) throw invalidType();
  if (!video) return;
  if (!video.width || !video.height || !video.frameRate) throw new ApiError(422, 'Video has no video stream');
  if (video.width * video.height > MEDIA_LIMITS.video_matrix_limit) throw new ApiError(422, `${video.width}x${video.height} videos are not supported`);
  const [numerator, denominator] = video.frameRate.split('/').map(Number);
  const fps = Math.floor(numerator! / denominator!);
  if (fps > MEDIA_LIMITS.video_frame_rate_limit) throw new ApiError(422, `${fps}fps videos are not supported`);
}

/** What an upload becomes: audio when it has no picture (only sound, maybe a cover), else a video, or a gifv when silent. */
export function audioVisualType(probe: MediaProbe): AudioVisualType {
  if (!probe.video) return 'audio';
  return probe.audio ? 'video' : 'gifv';
}

async function frameStyle(config: Config, input: MediaInput, dir: string) {
  const path = join(dir, 'small.png');
  await extractFrame(config, input, path);
  const bytes = await readFile(path);
  const { width, height } = await (await loadSharp())(bytes).metadata();
  if (!width || !height) throw processingFailed();
  return { bytes, meta: styleMeta(width, height) };
}

async function videoOriginal(config: Config, input: MediaInput, probe: MediaProbe, output: string): Promise<MediaProbe> {
  if (eligibleForPassthrough(input, probe)) {
    try {
      await remuxVideo(config, input, output);
      const copied = await probeMedia(config, output, 'mov');
      if (copied?.video?.codec === 'h264') return copied;
    } catch (error) {
      if (!(error instanceof ToolFailed)) throw error;
    }
  }
  await transcodeVideo(config, input, probe, output);
  const transcoded = await probeMedia(config, output, 'mov');
  if (transcoded?.video?.codec !== 'h264') throw processingFailed();
  return transcoded;
}

const compact = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));

async function audioStyles(config: Config, input: MediaInput, probe: MediaProbe, dir: string): Promise<ProcessedAudioVisual> {
  const output = join(dir, 'original.mp3');
  await transcodeAudio(config, input, output);
  const result = await probeMedia(config, output, 'mp3');
  if (!result?.audio) throw processingFailed();
  let cover: Buffer | undefined;
  if (probe.hasCover) {
    const coverPath = join(dir, 'cover.png');
    cover = await extractCover(config, input, coverPath)
      .then(() => readFile(coverPath))
      .catch(() => undefined);
  }
  return {
    type: 'audio',
    contentType: 'audio/mpeg',
    extension: 'mp3',
    original: { path: output, size: (await stat(output)).size },
    cover,
    originalMeta: { duration: result.duration, bitrate: result.bitrate },
    blurhash: null,
  };
}

async function videoStyles(config: Config, input: MediaInput, probe: MediaProbe, dir: string): Promise<ProcessedAudioVisual> {
  const animatedGif = input.demuxer === 'gif';
  const output = join(dir, 'original.mp4');
  const small = await frameStyle(config, input, dir);
  const result = await videoOriginal(config, input, probe, output);
  const video = result.video!;
  return {
    type: animatedGif ? 'gifv' : audioVisualType(probe),
    contentType: 'video/mp4',
    extension: 'mp4',
    original: { path: output, size: (await stat(output)).size },
    small,
    originalMeta: compact({ width: video.width, height: video.height, frame_rate: video.frameRate, duration: result.duration, bitrate: result.bitrate }),
    blurhash: await blurhashOf(small.bytes),
  };
}

/**
 * Makes the styles of a checked upload in `dir` (its working directory); the caller holds one of
 * the process's transcode slots (ffmpeg.ts). ffmpeg failing on the file is a 422 (processingFailed).
 */
export async function processAudioVisual(config: Config, input: MediaInput, probe: MediaProbe, dir: string): Promise<ProcessedAudioVisual> {
  const audio = input.demuxer !== 'gif' && audioVisualType(probe) === 'audio';
  try {
    return await (audio ? audioStyles : videoStyles)(config, input, probe, dir);
  } catch (error) {
    if (error instanceof ToolFailed) throw processingFailed(error);
    throw error;
  }
}
