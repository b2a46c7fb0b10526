import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { ffmpegBinary, ffprobeBinary, runTool, ToolMissing, ToolTimedOut, withTranscodeSlot } from '../../src/services/media/ffmpeg.ts';
import { probeMedia, reducedRate, type MediaProbe } from '../../src/services/media/probe.ts';
import { audioVisualContainer, isAnimatedGif } from '../../src/services/media/sniff.ts';
import { eligibleForPassthrough, targetBitrate } from '../../src/services/media/transcode.ts';
import { gifBomb } from '../helpers/media-fixtures.ts';

const NODE = process.execPath;
const config = (env: Record<string, string> = {}) => loadConfig({ SUBSPACE_DATA_DIR: '/nonexistent/subspace', SECRET_KEY_BASE: 'x'.repeat(64), NODE_ENV: 'test', ...env });

/** The pure parts of video and audio processing: what an upload is, the numbers Mastodon's transcoder uses, and how ffmpeg is run. */
describe('media tools', () => {
  it('tells the containers Mastodon takes from their first bytes, and refuses others', () => {
    const box = (type: string, brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(type + brand), Buffer.alloc(12)]);
    assert.deepEqual(audioVisualContainer(box('ftyp', 'isom')), { demuxer: 'mov', extension: 'mp4' });
    assert.deepEqual(audioVisualContainer(box('ftyp', 'qt  ')), { demuxer: 'mov', extension: 'mov' });
    assert.deepEqual(audioVisualContainer(box('ftyp', 'M4A ')), { demuxer: 'mov', extension: 'm4a' });
    assert.equal(audioVisualContainer(box('ftyp', 'heic')), undefined, 'HEIC is an image nothing here decodes');
    const ebml = (docType: string) => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x80 | docType.length]), Buffer.from(docType), Buffer.alloc(16)]);
    assert.deepEqual(audioVisualContainer(ebml('webm')), { demuxer: 'matroska', extension: 'webm' });
    assert.equal(audioVisualContainer(ebml('matroska')), undefined, 'Matroska is not among Mastodon’s types');
    assert.deepEqual(audioVisualContainer(Buffer.concat([Buffer.from('ID3\x03\x00'), Buffer.alloc(20)])), { demuxer: 'mp3', extension: 'mp3' });
    assert.deepEqual(audioVisualContainer(Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(20)])), { demuxer: 'mp3', extension: 'mp3' });
    assert.deepEqual(audioVisualContainer(Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80]), Buffer.alloc(20)])), { demuxer: 'aac', extension: 'aac' });
    assert.deepEqual(audioVisualContainer(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(8)])), { demuxer: 'wav', extension: 'wav' });
    assert.equal(audioVisualContainer(Buffer.concat([Buffer.from('RIFF\0\0\0\0AVI LIST'), Buffer.alloc(8)])), undefined);
    assert.equal(audioVisualContainer(Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.alloc(20)])), undefined, 'a JPEG');
    assert.equal(audioVisualContainer(Buffer.from('#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1/\n')), undefined, 'a playlist never reaches ffmpeg');
  });

  it('counts a GIF’s frames without decoding them', () => {
    assert.equal(isAnimatedGif(gifBomb()), true);
    const oneFrame = Buffer.concat([gifBomb().subarray(0, 6 + 7 + 6 + 8 + 10 + 5), Buffer.from([0x3b])]);
    assert.equal(isAnimatedGif(oneFrame), false);
    assert.equal(isAnimatedGif(Buffer.from('GIF89a')), false);
    assert.equal(isAnimatedGif(Buffer.from('not a gif at all')), false);
  });

  it('uses Mastodon’s numbers: frame rates as Rational shows them, the bitrate rule, the passthrough rule', () => {
    assert.equal(reducedRate('60/2'), '30/1');
    assert.equal(reducedRate('30000/1001'), '30000/1001');
    assert.equal(reducedRate('0/0'), undefined);
    const probe = (video: Partial<NonNullable<MediaProbe['video']>>, audio?: string, duration = 10): MediaProbe => ({
      formatName: 'mov',
      duration,
      bitrate: 0,
      video: { codec: 'h264', pixelFormat: 'yuv420p', width: 1280, height: 720, frameRate: '30/1', baseFrameRate: 30, ...video },
      audio: audio ? { codec: audio } : undefined,
      hasCover: false,
    });
    assert.equal(targetBitrate(probe({})), Math.floor(1280 * 720 * 30 * 0.11));
    // five minutes of 4K: bounded so that the result stays under 99 MB
    assert.equal(targetBitrate(probe({ width: 3840, height: 2160 }, 'aac', 300)), Math.floor((99 * 1024 * 1024 * 8) / 300) - 192_000);
    assert.equal(targetBitrate(probe({ width: 8, height: 16 })), 100_000, 'x264 needs at least a kilobit');
    const mp4 = { extension: 'mp4' };
    assert.equal(eligibleForPassthrough(mp4, probe({}, 'aac')), true);
    assert.equal(eligibleForPassthrough(mp4, probe({})), true, 'silent H.264');
    assert.equal(eligibleForPassthrough({ extension: 'mov' }, probe({}, 'aac')), false, 'QuickTime is always transcoded');
    assert.equal(eligibleForPassthrough(mp4, probe({}, 'opus')), false);
    assert.equal(eligibleForPassthrough(mp4, probe({ pixelFormat: 'yuv444p' })), false);
    assert.equal(eligibleForPassthrough(mp4, probe({ codec: 'vp9' })), false);
  });

  it('finds ffmpeg and ffprobe, or takes FFMPEG_BINARY and FFPROBE_BINARY; a missing program is the instance’s fault, not the file’s', async () => {
    assert.match(ffmpegBinary(config()), /@ffmpeg-installer\/.+\/ffmpeg$/);
    assert.match(ffprobeBinary(config()), /@ffprobe-installer\/.+\/ffprobe$/);
    const custom = config({ FFMPEG_BINARY: '/opt/ffmpeg/bin/ffmpeg', FFPROBE_BINARY: '/nonexistent/ffprobe', SUBSPACE_MEDIA_TRANSCODES: '2' });
    assert.equal(ffmpegBinary(custom), '/opt/ffmpeg/bin/ffmpeg');
    assert.equal(custom.media.transcodeConcurrency, 2);
    await assert.rejects(probeMedia(custom, '/etc/hostname', 'mp3'), ToolMissing);
    assert.throws(() => config({ SUBSPACE_MEDIA_TRANSCODES: '0' }), /SUBSPACE_MEDIA_TRANSCODES/);
  });

  it('runs a program without a shell, within its time and output limits', async () => {
    assert.equal(await runTool(NODE, ['-e', 'process.stdout.write(process.argv[1])', '$(echo injected); ls'], { timeoutMs: 10_000 }), '$(echo injected); ls');
    await assert.rejects(runTool(NODE, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 }), (error: Error) => error instanceof ToolTimedOut && /timed out/.test(error.message));
    await assert.rejects(runTool(NODE, ['-e', 'process.stdout.write("x".repeat(100_000)); setTimeout(() => {}, 60_000)'], { timeoutMs: 10_000, maxStdout: 1000 }), /too much output/);
    await assert.rejects(runTool(NODE, ['-e', 'console.error("broken file"); process.exit(3)'], { timeoutMs: 10_000 }), /exited with 3: broken file/);
  });

  it('runs one transcode at a time per process unless told more', async () => {
    const limited = config();
    let running = 0;
    let most = 0;
    const task = () =>
      withTranscodeSlot(limited, async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
      });
    await Promise.all([task(), task(), task()]);
    assert.equal(most, 1);
    const two = config({ SUBSPACE_MEDIA_TRANSCODES: '2' });
    most = 0;
    await Promise.all(
      [1, 2, 3, 4].map(() =>
        withTranscodeSlot(two, async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
        }),
      ),
    );
    assert.equal(most, 2);
  });
});
