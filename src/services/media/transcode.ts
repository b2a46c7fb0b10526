import type { Config } from '../../config/index.ts';
import { MEDIA_LIMITS } from '../../lib/instance-limits.ts';
import { ffmpegBinary, runTool } from './ffmpeg.ts';
import { inputArgs, type MediaProbe } from './probe.ts';
import type { Demuxer } from './sniff.ts';

/**
 * The ffmpeg commands of Mastodon's media styles (MediaAttachment's VIDEO_FORMAT, VIDEO_PASSTHROUGH_OPTIONS,
 * VIDEO_STYLES[:small], AUDIO_STYLES, and Paperclip::Transcoder's bitrate rule), with every input
 * opened by its known demuxer and every output bounded in size and time.
 */

export interface MediaInput {
  path: string;
  demuxer: Demuxer | 'gif';
  /** what the upload's content showed it is (`mp4`, `mov`, `webm`, `gif`, `mp3`…) */
  extension: string;
}

/** Approximately five minutes at 120 fps (MAX_VIDEO_FRAMES): longer videos are cut there. */
const MAX_VIDEO_FRAMES = 36_000;
/** Paperclip::Transcoder's H.264 "High" bits per pixel, for the bitrate a transcode aims at. */
const BITS_PER_PIXEL = 0.11;
const AUDIO_BITRATE = 192_000;
const MIN_VIDEO_BITRATE = 100_000;
/** A transcode of the largest upload (99 MB, 4K, five minutes) on a small server stays well within these. */
const TRANSCODE_TIMEOUT_MS = 15 * 60_000;
const FRAME_TIMEOUT_MS = 120_000;
/** No output may grow past this on disk (a passthrough copy is about the upload's size). */
const OUTPUT_SIZE_LIMIT = 2 * MEDIA_LIMITS.video_size_limit;

const common = (input: MediaInput) => ['-nostdin', '-hide_banner', '-loglevel', 'error', ...inputArgs(input.demuxer, input.path)];

/**
 * H.264 with AAC (or no sound) in yuv420p plays everywhere as it is: Mastodon copies such an MP4
 * unchanged (VIDEO_STYLES). QuickTime and WebM are always transcoded (VIDEO_CONVERTED_STYLES): a
 * phone's MOV may hold what an MP4 player does not expect.
 */
export function eligibleForPassthrough(input: Pick<MediaInput, 'extension'>, probe: MediaProbe): boolean {
  const video = probe.video;
  return input.extension === 'mp4' && !!video && video.codec === 'h264' && video.pixelFormat === 'yuv420p' && (!probe.audio || probe.audio.codec === 'aac');
}

/**
 * The video bitrate of a transcode: what the picture deserves, within what keeps the result under
 * the size limit; never below 100 kbit/s, which x264 would otherwise refuse (or starve) for a tiny GIF.
 */
export function targetBitrate(probe: MediaProbe): number {
  const { width, height } = probe.video!;
  const desired = Math.floor(width * height * 30 * BITS_PER_PIXEL);
  const maximum = Math.floor((MEDIA_LIMITS.video_size_limit * 8) / Math.max(probe.duration, 1)) - AUDIO_BITRATE;
  return Math.max(MIN_VIDEO_BITRATE, Math.min(desired, maximum));
}

/** Copies the streams into an MP4, without metadata (VIDEO_PASSTHROUGH_OPTIONS). */
export async function remuxVideo(config: Config, input: MediaInput, output: string): Promise<void> {
  await runTool(
    ffmpegBinary(config),
    [...common(input), '-map_metadata', '-1', '-sn', '-dn', '-c:v', 'copy', '-c:a', 'copy', '-movflags', '+faststart', '-fs', String(OUTPUT_SIZE_LIMIT), '-f', 'mp4', '-y', output],
    { timeoutMs: TRANSCODE_TIMEOUT_MS },
  );
}

/**
 * H.264 (yuv420p, even dimensions, at most 36,000 frames) with AAC at 192 kbit/s in an MP4 that can
 * play while it downloads, without metadata (VIDEO_FORMAT). A silent input (an animated GIF) gives
 * a silent video.
 */
export async function transcodeVideo(config: Config, input: MediaInput, probe: MediaProbe, output: string): Promise<void> {
  const bitrate = targetBitrate(probe);
  const highVariableFrameRate = (probe.video?.baseFrameRate ?? 0) > MEDIA_LIMITS.video_frame_rate_limit;
  await runTool(
    ffmpegBinary(config),
    [
      ...common(input),
      '-map_metadata',
      '-1',
      '-sn',
      '-dn',
      '-c:v',
      'h264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      // H.264 needs even dimensions: cropped rather than scaled, which would blur
      '-vf',
      'crop=floor(iw/2)*2:floor(ih/2)*2',
      '-b:v',
      String(bitrate),
      '-maxrate',
      String(bitrate + AUDIO_BITRATE),
      '-bufsize',
      String(bitrate * 5),
      '-frames:v',
      String(MAX_VIDEO_FRAMES),
      ...(highVariableFrameRate ? ['-vsync', 'vfr'] : []),
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      '-movflags',
      '+faststart',
      '-fs',
      String(OUTPUT_SIZE_LIMIT),
      '-f',
      'mp4',
      '-y',
      output,
    ],
    { timeoutMs: TRANSCODE_TIMEOUT_MS },
  );
}

/** The first frame as a PNG within 640×640 (VIDEO_STYLES[:small]): the preview of a video or gifv. */
export async function extractFrame(config: Config, input: MediaInput, output: string): Promise<void> {
  await runTool(
    ffmpegBinary(config),
    [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-ss',
      '0',
      ...inputArgs(input.demuxer, input.path),
      '-map_metadata',
      '-1',
      '-an',
      '-sn',
      '-dn',
      '-vf',
      'scale=w=min(640\\,iw):h=min(640\\,ih):force_original_aspect_ratio=decrease',
      '-frames:v',
      '1',
      '-c:v',
      'png',
      '-f',
      'image2',
      '-y',
      output,
    ],
    { timeoutMs: FRAME_TIMEOUT_MS },
  );
}

/** MP3 at LAME's quality 2 (AUDIO_STYLES), sound only, without metadata. */
export async function transcodeAudio(config: Config, input: MediaInput, output: string): Promise<void> {
  await runTool(ffmpegBinary(config), [...common(input), '-map_metadata', '-1', '-vn', '-sn', '-dn', '-q:a', '2', '-fs', String(OUTPUT_SIZE_LIMIT), '-f', 'mp3', '-y', output], {
    timeoutMs: TRANSCODE_TIMEOUT_MS,
  });
}

/** An audio file's embedded cover picture, as a PNG (Paperclip::ImageExtractor): it becomes the thumbnail. */
export async function extractCover(config: Config, input: MediaInput, output: string): Promise<void> {
  await runTool(ffmpegBinary(config), [...common(input), '-map_metadata', '-1', '-an', '-sn', '-dn', '-frames:v', '1', '-c:v', 'png', '-f', 'image2', '-y', output], { timeoutMs: FRAME_TIMEOUT_MS });
}
