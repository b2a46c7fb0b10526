import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { createRestAPIClient } from 'masto';
import sharp from 'sharp';
import type { Worker } from '../../src/backends/queue/index.ts';
import { mediaAttachments } from '../../src/db/schema.ts';
import { jobRunner } from '../../src/jobs/handlers.ts';
import { ffmpegBinary, ffprobeBinary } from '../../src/services/media/ffmpeg.ts';
import { serverMode, startInstance, type TestInstance, type TestUser } from '../helpers/instance.ts';
import { gifBomb, makeMediaFixtures, type MediaFixtures } from '../helpers/media-fixtures.ts';
import { runSubspace, waitFor, type RunningProcess } from '../helpers/process.ts';
import { fetchStoredFile, storedKeys, storedUrlPattern } from '../helpers/stored-files.ts';

const execute = promisify(execFile);

interface Probed {
  format: { format_name: string; duration: string };
  streams: { codec_type: string; codec_name: string; profile?: string; width?: number; height?: number; pix_fmt?: string }[];
}

/**
 * Video, audio and animated GIF uploads through the API as Mastodon processes them (ffmpeg), in
 * the request (v1) or in a PostProcessMediaWorker job (v2). The instance runs the web role only:
 * v2's jobs wait until the test starts a worker, a separate process in server mode (which must find
 * the upload in storage), an in-process one in embedded mode.
 */
describe('media uploads: video, audio and animated GIFs', () => {
  let instance: TestInstance;
  let alice: TestUser;
  let bob: TestUser;
  let media: MediaFixtures;
  let worker: Worker | undefined;
  let workerProcess: RunningProcess | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'subspace-video-test-'));

  before(async () => {
    instance = await startInstance({ roles: { web: true } });
    [alice, bob] = [await instance.createUser('alice'), await instance.createUser('bob')];
    media = await makeMediaFixtures(ffmpegBinary(instance.config));
  });
  after(async () => {
    await worker?.close();
    if (workerProcess) {
      workerProcess.child.kill('SIGTERM');
      await workerProcess.exited;
    }
    await instance?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  function startWorker() {
    if (serverMode) workerProcess = runSubspace(['worker', '--queues', 'default', '--concurrency', '2'], instance.env);
    else worker = instance.ctx.queue.work(['default'], jobRunner(instance.ctx), { concurrency: 2 });
  }

  /** Working directories of this process and of the worker process: none may outlive an upload. */
  const mediaTempDirs = () => {
    const pids = [process.pid, workerProcess?.child.pid].filter(Boolean);
    return readdirSync(tmpdir()).filter((name) => pids.some((pid) => name.startsWith(`subspace-media-${pid}-`)));
  };

  async function upload(user: TestUser, bytes: Buffer, options: { name?: string; type?: string; version?: 'v1' | 'v2'; fields?: Record<string, string>; thumbnail?: Buffer } = {}) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: options.type ?? 'video/mp4' }), options.name ?? 'clip.mp4');
    if (options.thumbnail) form.append('thumbnail', new Blob([new Uint8Array(options.thumbnail)], { type: 'image/png' }), 'thumbnail.png');
    for (const [key, value] of Object.entries(options.fields ?? {})) form.append(key, value);
    const response = await fetch(`${instance.url}/api/${options.version ?? 'v1'}/media`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  }

  async function served(url: string) {
    const response = await fetchStoredFile(instance, url);
    return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** ffprobe's view of a served file. */
  async function probe(bytes: Buffer): Promise<Probed> {
    const path = join(scratch, `probe-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, bytes);
    const { stdout } = await execute(ffprobeBinary(instance.config), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
    return JSON.parse(stdout) as Probed;
  }

  /** The stored files of the attachment whose file has this key (its id partition), as keys. */
  const filesOf = (key: string) => storedKeys(instance, `${key.split('/original/')[0]!}/`);

  const codecs = (probed: Probed) => probed.streams.map((stream) => `${stream.codec_type}:${stream.codec_name}`);

  async function shown(user: TestUser, id: string) {
    return instance.request('GET', `/api/v1/media/${id}`, { token: user.token });
  }

  it('v1: an H.264/AAC MP4 is copied as it is into the MP4 served, with a PNG preview of its first frame, meta and a blurhash', async () => {
    const uploaded = await upload(alice, media.mp4, { fields: { description: 'A test card', focus: '0.5,0.5' } });
    assert.equal(uploaded.status, 200, uploaded.text);
    const video = uploaded.body;
    assert.equal(video.type, 'video');
    assert.match(video.url, new RegExp(`^${storedUrlPattern(instance)}media_attachments/files/(\\d{3}/)+original/[0-9a-f]{16}\\.mp4$`));
    assert.match(video.preview_url, /\/small\/[0-9a-f]{16}\.png$/);
    assert.equal(video.description, 'A test card');
    assert.match(video.blurhash, /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{20,}$/);
    const { original, small, focus } = video.meta;
    assert.deepEqual({ width: original.width, height: original.height, frame_rate: original.frame_rate }, { width: 160, height: 120, frame_rate: '15/1' });
    assert.ok(Math.abs(original.duration - 1) < 0.1, String(original.duration));
    assert.ok(Number.isInteger(original.bitrate) && original.bitrate > 0);
    assert.deepEqual(small, { width: 160, height: 120, size: '160x120', aspect: 160 / 120 });
    assert.deepEqual(focus, { x: 0.5, y: 0.5 });

    const file = await served(video.url);
    assert.equal(file.status, 200);
    assert.equal(file.type, 'video/mp4');
    const copied = await probe(file.bytes);
    assert.deepEqual(codecs(copied), ['video:h264', 'audio:aac']);
    assert.equal(copied.streams[0]!.profile, (await probe(media.mp4)).streams[0]!.profile, 'the stream copied (x264 would have made it High)');
    const preview = await served(video.preview_url);
    assert.equal(preview.type, 'image/png');
    const frame = await sharp(preview.bytes).metadata();
    assert.deepEqual([frame.format, frame.width, frame.height], ['png', 160, 120]);
    assert.deepEqual((await shown(alice, video.id)).body, video);
  });

  it('v1: a VP9/Opus WebM becomes H.264/AAC; a silent MPEG-4 video becomes a gifv', async () => {
    const webm = await upload(alice, media.webm, { name: 'clip.webm', type: 'video/webm' });
    assert.equal(webm.status, 200, webm.text);
    assert.equal(webm.body.type, 'video');
    const transcoded = await probe((await served(webm.body.url)).bytes);
    assert.deepEqual(codecs(transcoded), ['video:h264', 'audio:aac']);
    assert.deepEqual([transcoded.streams[0]!.pix_fmt, transcoded.streams[0]!.profile], ['yuv420p', 'High']);
    assert.equal(webm.body.meta.original.width, 160);

    const silent = await upload(alice, media.silentMpeg4);
    assert.equal(silent.status, 200, silent.text);
    assert.equal(silent.body.type, 'gifv');
    assert.deepEqual(codecs(await probe((await served(silent.body.url)).bytes)), ['video:h264']);
    assert.equal(silent.body.meta.original.frame_rate, '10/1');
  });

  it('an animated GIF becomes a silent looping H.264 MP4 (gifv), processed at once even through v2', async () => {
    const uploaded = await upload(alice, media.gif, { name: 'anim.gif', type: 'image/gif', version: 'v2' });
    assert.equal(uploaded.status, 200, uploaded.text);
    const gifv = uploaded.body;
    assert.equal(gifv.type, 'gifv');
    assert.match(gifv.url, /\.mp4$/);
    assert.match(gifv.preview_url, /\/small\/[0-9a-f]{16}\.png$/);
    assert.ok(gifv.blurhash);
    assert.deepEqual({ width: gifv.meta.original.width, height: gifv.meta.original.height, frame_rate: gifv.meta.original.frame_rate }, { width: 64, height: 48, frame_rate: '10/1' });
    assert.ok(gifv.meta.original.duration > 0.5);
    assert.deepEqual(gifv.meta.small, { width: 64, height: 48, size: '64x48', aspect: 64 / 48 });
    const file = await probe((await served(gifv.url)).bytes);
    assert.deepEqual(codecs(file), ['video:h264'], 'no sound');
    assert.equal(file.streams[0]!.pix_fmt, 'yuv420p');
  });

  it('audio becomes an MP3 (audio/mpeg) with its duration and bitrate; an embedded cover becomes its thumbnail', async () => {
    const wav = await upload(alice, media.wav, { name: 'tone.wav', type: 'audio/wav' });
    assert.equal(wav.status, 200, wav.text);
    assert.equal(wav.body.type, 'audio');
    assert.match(wav.body.url, /\/original\/[0-9a-f]{16}\.mp3$/);
    assert.equal(wav.body.preview_url, null);
    assert.equal(wav.body.blurhash, null);
    assert.deepEqual(Object.keys(wav.body.meta.original).sort(), ['bitrate', 'duration']);
    assert.ok(Math.abs(wav.body.meta.original.duration - 1) < 0.1);
    const file = await served(wav.body.url);
    assert.equal(file.type, 'audio/mpeg');
    assert.deepEqual(codecs(await probe(file.bytes)), ['audio:mp3']);

    const covered = await upload(alice, media.mp3WithCover, { name: 'song.mp3', type: 'audio/mpeg' });
    assert.equal(covered.status, 200, covered.text);
    assert.equal(covered.body.type, 'audio');
    assert.match(covered.body.preview_url, /\/media_attachments\/thumbnails\/(\d{3}\/)+original\/[0-9a-f]{16}\.png$/);
    assert.ok(covered.body.blurhash);
    assert.deepEqual(covered.body.meta.small, { width: 40, height: 30, size: '40x30', aspect: 40 / 30 });
    assert.deepEqual(codecs(await probe((await served(covered.body.url)).bytes)), ['audio:mp3'], 'the cover is not kept in the MP3');
  });

  it('takes a thumbnail for video and audio (upload and PUT), and refuses one for images', async () => {
    const uploaded = await upload(alice, media.mp3, { name: 'tone.mp3', type: 'audio/mpeg', thumbnail: media.thumbnailPng });
    assert.equal(uploaded.status, 200, uploaded.text);
    assert.match(uploaded.body.preview_url, /\/thumbnails\//);
    assert.deepEqual(uploaded.body.meta.small, { width: 300, height: 200, size: '300x200', aspect: 1.5 });

    const video = (await upload(alice, media.mp4)).body;
    const form = new FormData();
    form.append('thumbnail', new Blob([new Uint8Array(media.thumbnailPng)], { type: 'image/png' }), 'thumb.png');
    form.append('description', 'With a poster');
    const put = await fetch(`${instance.url}/api/v1/media/${video.id}`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    const changed = await put.json();
    assert.equal(put.status, 200, JSON.stringify(changed));
    assert.match(changed.preview_url, /\/thumbnails\//);
    assert.equal(changed.description, 'With a poster');
    assert.deepEqual(changed.meta.small, { width: 300, height: 200, size: '300x200', aspect: 1.5 });
    assert.notEqual(changed.blurhash, video.blurhash);
    assert.deepEqual(changed.meta.original, video.meta.original);
    const thumbnail = await served(changed.preview_url);
    assert.equal(thumbnail.status, 200);
    assert.equal((await sharp(thumbnail.bytes).metadata()).width, 300);

    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const image = await upload(alice, png, { name: 'a.png', type: 'image/png', thumbnail: media.thumbnailPng });
    assert.equal(image.status, 422, image.text);
    assert.equal(image.body.error, 'Validation failed: Thumbnail must be blank');
  });

  it('refuses truncated, oversized, too large, too fast, unsupported and disguised files with 422, leaving no row, no file, no temporary file', async () => {
    const rows = async () => (await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.accountId, bob.accountId))).length;
    const filesBefore = (await storedKeys(instance)).length;
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4000, 0x90)]);
    const cases: [string, Buffer, string | RegExp][] = [
      ['an MP4 cut in half (its index, at the end, is missing)', media.mp4.subarray(0, media.mp4.length >> 1), 'Validation failed: File content type is invalid'],
      ['a WebM cut after its header', media.webm.subarray(0, 200), /^(Validation failed: File content type is invalid|Video has no video stream)$/],
      ['4000×2200', media.tooLarge, '4000x2200 videos are not supported'],
      ['240 fps', media.tooFast, '240fps videos are not supported'],
      ['a GIF of 8000×8000 (a decompression bomb)', gifBomb(), '8000x8000 videos are not supported'],
      ['Matroska', media.matroska, 'Validation failed: File content type is invalid'],
      ['an executable named clip.mp4', elf, 'Validation failed: File content type is invalid'],
      ['text named clip.mp4', Buffer.from('#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n'), 'Validation failed: File content type is invalid'],
    ];
    for (const version of ['v1', 'v2'] as const) {
      for (const [what, bytes, error] of cases) {
        const response = await upload(bob, bytes, { version });
        assert.equal(response.status, 422, `${version} ${what}: ${response.text}`);
        if (typeof error === 'string') assert.equal(response.body.error, error, what);
        else assert.match(response.body.error, error, what);
      }
    }
    const oversized = await upload(bob, Buffer.concat([media.mp4, Buffer.alloc(99 * 1024 * 1024)]), { version: 'v2' });
    assert.equal(oversized.status, 422, oversized.text);
    assert.equal(oversized.body.error, 'Validation failed: File file size must be less than 99 MB');
    const oversizedGif = await upload(bob, Buffer.concat([media.gif.subarray(0, media.gif.length - 1), Buffer.alloc(17 * 1024 * 1024), Buffer.from([0x3b])]));
    assert.equal(oversizedGif.status, 422, oversizedGif.text);
    assert.equal(oversizedGif.body.error, 'Validation failed: File file size must be less than 16 MB');
    const badThumbnail = await upload(bob, media.mp4, { thumbnail: Buffer.from('not a picture') });
    assert.equal(badThumbnail.status, 422, badThumbnail.text);
    // a large body is not even read without a valid token
    const stranger = await upload({ ...bob, token: 'not-a-token' }, Buffer.concat([media.mp4, Buffer.alloc(50 * 1024 * 1024)]));
    assert.equal(stranger.status, 401, stranger.text);

    assert.equal(await rows(), 0, 'no row');
    assert.equal((await storedKeys(instance)).length, filesBefore, 'no file');
    assert.deepEqual(mediaTempDirs(), [], 'no temporary file');
  });

  it('v2: answers 202 without a URL, 206 while queued, and a worker (another process in server mode) makes it a video: 200', async () => {
    const uploaded = await upload(alice, media.webm, { name: 'clip.webm', type: 'video/webm', version: 'v2', thumbnail: media.thumbnailPng, fields: { description: 'Queued' } });
    assert.equal(uploaded.status, 202, uploaded.text);
    const queued = uploaded.body;
    assert.equal(queued.type, 'video');
    assert.equal(queued.url, null);
    assert.match(queued.preview_url, /\/thumbnails\//, 'a given thumbnail is shown at once');
    const waiting = await shown(alice, queued.id);
    assert.equal(waiting.status, 206, waiting.text);
    assert.equal(waiting.body.url, null);

    // a status cannot take it yet (PostStatusService#validate_media!)
    const early = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'too soon', media_ids: [queued.id] } });
    assert.equal(early.status, 422, early.text);
    assert.equal(early.body.error, 'Cannot attach files that have not finished processing. Try again in a moment!');
    // the description and focus can change meanwhile, and stay
    const put = await instance.request('PUT', `/api/v1/media/${queued.id}`, { token: alice.token, json: { description: 'Processed later', focus: '-0.5,0.25' } });
    assert.equal(put.status, 206, put.text);
    assert.equal(put.body.description, 'Processed later');

    startWorker();
    const ready = await waitFor(
      'the video to be processed',
      async () => {
        const response = await shown(alice, queued.id);
        return response.status === 200 && response.body;
      },
      60_000,
    );
    assert.equal(ready.type, 'video');
    assert.match(ready.url, /\/original\/[0-9a-f]{16}\.mp4$/);
    assert.equal(ready.description, 'Processed later');
    assert.deepEqual(ready.meta.focus, { x: -0.5, y: 0.25 });
    assert.equal(ready.preview_url, queued.preview_url, 'the thumbnail stays the preview');
    assert.deepEqual(ready.meta.small, { width: 300, height: 200, size: '300x200', aspect: 1.5 });
    assert.equal(ready.blurhash, queued.blurhash);
    assert.equal(ready.meta.original.width, 160);
    assert.deepEqual(codecs(await probe((await served(ready.url)).bytes)), ['video:h264', 'audio:aac']);
    // the upload as it came goes (once the job has recorded the styles): the attachment's files are the MP4 and its frame (and its thumbnail)
    const [row] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, queued.id));
    await waitFor('the upload as it came to be removed', async () => (await filesOf(row!.fileKey!)).length === 2);
    assert.deepEqual(await filesOf(row!.fileKey!), [row!.fileKey, row!.smallFileKey].sort());

    // now a status takes it; the status and its ActivityPub Note show it
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'A video', media_ids: [queued.id], visibility: 'public' } });
    assert.equal(posted.status, 200, posted.text);
    assert.deepEqual(posted.body.media_attachments, [ready]);
    const status = await instance.request('GET', `/api/v1/statuses/${posted.body.id}`);
    assert.equal(status.body.media_attachments[0].type, 'video');
    const note = await instance.request('GET', new URL(posted.body.uri).pathname, { headers: { accept: 'application/activity+json' } });
    assert.equal(note.status, 200, note.text);
    const [document] = [note.body.attachment].flat();
    assert.deepEqual(
      {
        type: document.type,
        mediaType: document.mediaType,
        url: document.url,
        name: document.name,
        blurhash: document.blurhash,
        focalPoint: document.focalPoint,
        width: document.width,
        height: document.height,
      },
      { type: 'Document', mediaType: 'video/mp4', url: ready.url, name: 'Processed later', blurhash: ready.blurhash, focalPoint: [-0.5, 0.25], width: 160, height: 120 },
    );
    assert.deepEqual({ type: document.icon.type, mediaType: document.icon.mediaType, url: document.icon.url }, { type: 'Image', mediaType: 'image/png', url: ready.preview_url });
  });

  it('v2: audio and a silent video are processed by the job too; gifv and audio go out as Documents of their types', async () => {
    const audio = await upload(alice, media.mp3, { name: 'tone.mp3', type: 'audio/mpeg', version: 'v2', fields: { description: 'A tone' } });
    const silent = await upload(alice, media.silentMpeg4, { version: 'v2' });
    assert.deepEqual([audio.status, silent.status], [202, 202], `${audio.text} ${silent.text}`);
    const [audioReady, silentReady] = await Promise.all(
      [audio.body.id, silent.body.id].map((id: string) =>
        waitFor(
          'processing',
          async () => {
            const response = await shown(alice, id);
            return response.status === 200 && response.body;
          },
          60_000,
        ),
      ),
    );
    assert.equal(audioReady.type, 'audio');
    assert.equal(silentReady.type, 'gifv');
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'Sound and picture', media_ids: [audioReady.id, silentReady.id] } });
    assert.equal(posted.status, 200, posted.text);
    const note = await instance.request('GET', new URL(posted.body.uri).pathname, { headers: { accept: 'application/activity+json' } });
    const documents = [note.body.attachment].flat();
    assert.deepEqual(
      documents.map((document: any) => [document.type, document.mediaType, document.name ?? null, document.width ?? null]),
      [
        ['Document', 'audio/mpeg', 'A tone', null],
        ['Document', 'video/mp4', null, 96],
      ],
    );
  });

  it('v2: a file the job cannot process is marked failed: 422 with Mastodon’s error, and no processed file is left', async () => {
    const uploaded = await upload(alice, media.undecodable, { version: 'v2' });
    assert.equal(uploaded.status, 202, uploaded.text);
    const failed = await waitFor(
      'the processing to fail',
      async () => {
        const response = await shown(alice, uploaded.body.id);
        return response.status === 422 && response.body;
      },
      60_000,
    );
    assert.deepEqual(failed, { error: 'Error processing thumbnail for uploaded media' });
    assert.equal((await instance.request('PUT', `/api/v1/media/${uploaded.body.id}`, { token: alice.token, json: { description: 'x' } })).status, 422);
    const [row] = await instance.ctx.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, uploaded.body.id));
    assert.equal(row!.processing, 'failed');
    assert.equal(row!.smallFileKey, null);
    assert.deepEqual(await filesOf(row!.fileKey!), [row!.fileKey], 'only the upload as it came');
    assert.deepEqual(await filesOf(row!.fileKey!.replace('/files/', '/thumbnails/')), []);
    const posted = await instance.request('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'broken', media_ids: [uploaded.body.id] } });
    assert.equal(posted.status, 422);
    assert.equal((await instance.request('DELETE', `/api/v1/media/${uploaded.body.id}`, { token: alice.token })).status, 200);
    assert.deepEqual(await filesOf(row!.fileKey!), []);
    assert.deepEqual(mediaTempDirs(), []);
  });

  it('works for masto.js: v2.media.create of a video waits for it, then a status with mediaIds', async () => {
    const client = createRestAPIClient({ url: instance.url, accessToken: alice.token });
    const video = await client.v2.media.create({ file: new Blob([new Uint8Array(media.mp4)], { type: 'video/mp4' }), description: 'From masto' });
    assert.equal(video.type, 'video');
    assert.match(video.url ?? '', /\.mp4$/);
    const status = await client.v1.statuses.create({ status: 'With a video', mediaIds: [video.id] });
    assert.equal(status.mediaAttachments[0]!.id, video.id);
    assert.equal(status.mediaAttachments[0]!.type, 'video');
    assert.equal(status.mediaAttachments[0]!.meta?.original?.width, 160);
  });

  it('advertises Mastodon’s video and audio types and the limits it enforces', async () => {
    const { configuration } = (await instance.request('GET', '/api/v2/instance')).body;
    const limits = configuration.media_attachments;
    for (const type of ['video/mp4', 'video/webm', 'video/quicktime', 'audio/mpeg', 'audio/wav', 'audio/ogg', 'image/gif']) assert.ok(limits.supported_mime_types.includes(type), type);
    assert.deepEqual([limits.video_size_limit, limits.video_frame_rate_limit, limits.video_matrix_limit], [99 * 1024 * 1024, 120, 8_294_400]);
  });
});
