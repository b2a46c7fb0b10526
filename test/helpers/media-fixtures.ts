import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Tiny media made at test time with ffmpeg's generators (lavfi `testsrc`, `sine`, `color`): a second
 * or less each, a few kilobytes, so that tests transcode them in a fraction of a second.
 */
export interface MediaFixtures {
  /** H.264 + AAC, yuv420p, 160×120 at 15 fps, 1 s: copied as it is */
  mp4: Buffer;
  /** VP9 + Opus in WebM, 160×120, 1 s: transcoded */
  webm: Buffer;
  /** MPEG-4 part 2 without sound, 96×64: transcoded, becomes a gifv */
  silentMpeg4: Buffer;
  /** an animated GIF, 64×48 at 10 fps, 1 s */
  gif: Buffer;
  /** MP3, 1 s of a sine */
  mp3: Buffer;
  /** MP3 with an embedded 40×30 cover (PNG) */
  mp3WithCover: Buffer;
  /** WAV, 1 s */
  wav: Buffer;
  /** 4000×2200 (over 3840×2160 worth of pixels) */
  tooLarge: Buffer;
  /** 240 fps */
  tooFast: Buffer;
  /** Matroska (not WebM): a type Mastodon does not take */
  matroska: Buffer;
  /** H.264 4:4:4 (so not copied) whose frames are noise: ffprobe reads it, ffmpeg cannot decode it */
  undecodable: Buffer;
  /** a PNG to use as a thumbnail, 300×200 */
  thumbnailPng: Buffer;
}

async function ffmpeg(binary: string, args: string[]) {
  await run(binary, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: 60_000 });
}

/** An H.264 MP4 with its `moov` first whose media data is replaced by noise (a seeded generator, the same every run). */
function withNoiseFrames(mp4: Buffer): Buffer {
  const bytes = Buffer.from(mp4);
  const mdat = bytes.indexOf('mdat');
  let seed = 1;
  for (let i = mdat + 4; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = seed >> 16;
  }
  return bytes;
}

export async function makeMediaFixtures(ffmpegBinary: string): Promise<MediaFixtures> {
  const dir = mkdtempSync(join(tmpdir(), 'subspace-fixtures-'));
  const file = (name: string) => join(dir, name);
  const lavfi = (source: string) => ['-f', 'lavfi', '-i', source];
  try {
    const picture = lavfi('testsrc=size=160x120:rate=15:duration=1');
    const tone = lavfi('sine=frequency=440:duration=1');
    await Promise.all([
      ffmpeg(ffmpegBinary, [...picture, ...tone, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file('clip.mp4')]),
      ffmpeg(ffmpegBinary, [...picture, ...tone, '-c:v', 'libvpx-vp9', '-b:v', '100k', '-deadline', 'realtime', '-c:a', 'libopus', '-shortest', file('clip.webm')]),
      ffmpeg(ffmpegBinary, [...lavfi('testsrc=size=96x64:rate=10:duration=1'), '-c:v', 'mpeg4', file('silent.mp4')]),
      ffmpeg(ffmpegBinary, [...lavfi('testsrc=size=64x48:rate=10:duration=1'), file('anim.gif')]),
      ffmpeg(ffmpegBinary, [...tone, '-c:a', 'libmp3lame', file('tone.mp3')]),
      ffmpeg(ffmpegBinary, [...tone, file('tone.wav')]),
      ffmpeg(ffmpegBinary, [...lavfi('color=c=black:s=4000x2200:r=10:d=0.1'), '-frames:v', '1', '-c:v', 'libx264', '-preset', 'ultrafast', file('large.mp4')]),
      ffmpeg(ffmpegBinary, [...lavfi('testsrc=size=32x32:rate=240:duration=0.1'), '-c:v', 'libx264', '-preset', 'ultrafast', file('fast.mp4')]),
      ffmpeg(ffmpegBinary, [...lavfi('testsrc=size=32x32:rate=10:duration=0.5'), '-c:v', 'mpeg4', file('clip.mkv')]),
      ffmpeg(ffmpegBinary, [...lavfi('testsrc=size=160x120:rate=15:duration=1'), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p', '-movflags', '+faststart', file('yuv444.mp4')]),
      ffmpeg(ffmpegBinary, [...lavfi('color=c=red:s=40x30:d=1'), '-frames:v', '1', file('cover.png')]),
      ffmpeg(ffmpegBinary, [...lavfi('testsrc=size=300x200:rate=1:duration=1'), '-frames:v', '1', file('thumbnail.png')]),
    ]);
    await ffmpeg(ffmpegBinary, [
      ...lavfi('sine=frequency=330:duration=1'),
      '-i',
      file('cover.png'),
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-c:a',
      'libmp3lame',
      '-c:v',
      'png',
      '-disposition:v',
      'attached_pic',
      '-id3v2_version',
      '3',
      file('covered.mp3'),
    ]);
    const read = (name: string) => readFileSync(file(name));
    return {
      mp4: read('clip.mp4'),
      webm: read('clip.webm'),
      silentMpeg4: read('silent.mp4'),
      gif: read('anim.gif'),
      mp3: read('tone.mp3'),
      mp3WithCover: read('covered.mp3'),
      wav: read('tone.wav'),
      tooLarge: read('large.mp4'),
      tooFast: read('fast.mp4'),
      matroska: read('clip.mkv'),
      undecodable: withNoiseFrames(read('yuv444.mp4')),
      thumbnailPng: read('thumbnail.png'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An animated GIF whose screen is 8000×8000 (64 megapixels) while its two frames are one pixel each: a decompression bomb for a video pipeline. */
export function gifBomb(): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(8000, 0);
  screen.writeUInt16LE(8000, 2);
  screen.set([0x80, 0, 0], 4);
  const frame = Buffer.concat([Buffer.from([0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00]), Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00]), Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00])]);
  return Buffer.concat([Buffer.from('GIF89a'), screen, Buffer.from([0, 0, 0, 255, 255, 255]), frame, frame, Buffer.from([0x3b])]);
}
