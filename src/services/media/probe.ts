import type { Config } from '../../config/index.ts';
import { ffprobeBinary, runTool, ToolMissing, ToolTimedOut } from './ffmpeg.ts';
import type { Demuxer } from './sniff.ts';

/** ffprobe reads only the headers (and a few packets): well under a second, even for a large file, on a server that is not starved. */
const PROBE_TIMEOUT_MS = 60_000;

/** What Mastodon's VideoMetadataExtractor reads of a file with ffprobe. */
export interface MediaProbe {
  /** the container ffprobe recognised, e.g. `mov,mp4,m4a,3gp,3g2,mj2` */
  formatName: string;
  /** seconds */
  duration: number;
  /** bits per second, the whole file */
  bitrate: number;
  /** the first video stream that is not a cover picture */
  video?: {
    codec: string;
    /** `pix_fmt` (Mastodon's `colorspace`) */
    pixelFormat: string | undefined;
    width: number;
    height: number;
    /** the average frame rate, reduced ("30/1"); undefined when unknown */
    frameRate: string | undefined;
    /** the stream's base frame rate (`r_frame_rate`), frames per second */
    baseFrameRate: number | undefined;
  };
  audio?: { codec: string };
  /** an embedded cover picture (an MP3's or M4A's album art) */
  hasCover: boolean;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  disposition?: { attached_pic?: number };
}

interface ProbeOutput {
  format?: { format_name?: string; duration?: string; bit_rate?: string };
  streams?: ProbeStream[];
  error?: unknown;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** "60/2" as Ruby's Rational shows it, "30/1"; undefined for "0/0" or nonsense. */
export function reducedRate(rate: string | undefined): string | undefined {
  const match = rate?.match(/^(\d+)\/(\d+)$/);
  if (!match) return undefined;
  const [numerator, denominator] = [Number(match[1]), Number(match[2])];
  if (!numerator || !denominator) return undefined;
  const divisor = gcd(numerator, denominator);
  return `${numerator / divisor}/${denominator / divisor}`;
}

export function rateValue(rate: string | undefined): number | undefined {
  const reduced = reducedRate(rate);
  if (!reduced) return undefined;
  const [numerator, denominator] = reduced.split('/').map(Number);
  return numerator! / denominator!;
}

/** How ffmpeg and ffprobe open an upload: with the demuxer its content showed, reading nothing but the file itself. */
export function inputArgs(demuxer: Demuxer | 'gif' | 'image2', path: string): string[] {
  return ['-protocol_whitelist', 'file', '-f', demuxer, '-i', path];
}

/** Probes a file; undefined when ffprobe cannot read it (not a medium, truncated before its headers, …), ToolTimedOut when it took too long. */
export async function probeMedia(config: Config, path: string, demuxer: Demuxer | 'gif'): Promise<MediaProbe | undefined> {
  let parsed: ProbeOutput;
  try {
    const output = await runTool(ffprobeBinary(config), ['-hide_banner', '-loglevel', 'fatal', '-print_format', 'json', '-show_format', '-show_streams', '-show_error', ...inputArgs(demuxer, path)], {
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    parsed = JSON.parse(output) as ProbeOutput;
  } catch (error) {
    // a missing program is the instance's fault, a timeout maybe a busy server's: only a refusal means the file is unreadable
    if (error instanceof ToolMissing || error instanceof ToolTimedOut) throw error;
    return undefined;
  }
  if (parsed.error || !parsed.format) return undefined;
  const streams = parsed.streams ?? [];
  const isCover = (stream: ProbeStream) => stream.disposition?.attached_pic === 1;
  const video = streams.find((stream) => stream.codec_type === 'video' && !isCover(stream));
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  return {
    formatName: parsed.format.format_name ?? '',
    duration: Number(parsed.format.duration) || 0,
    bitrate: Math.trunc(Number(parsed.format.bit_rate) || 0),
    video: video
      ? {
          codec: video.codec_name ?? '',
          pixelFormat: video.pix_fmt,
          width: video.width ?? 0,
          height: video.height ?? 0,
          frameRate: reducedRate(video.avg_frame_rate),
          baseFrameRate: rateValue(video.r_frame_rate),
        }
      : undefined,
    audio: audio ? { codec: audio.codec_name ?? '' } : undefined,
    hasCover: streams.some(isCover),
  };
}
